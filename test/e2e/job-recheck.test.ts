/**
 * A role can be removed between a click and the job's start: the job checks again and
 * stops before changing anything.
 */

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { provisionJobData } from "../../src/provision/plan-to-job.js";
import { createQueues } from "../../src/queues/index.js";
import { enqueueProvision } from "../../src/queues/provision.js";
import { enqueueDiscard } from "../../src/queues/reingest.js";
import { at } from "../dlq/support/place.js";
import { startTestStack } from "../support/e2e.js";

const INSTANCE_ID = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";

let stack: Stack;
let redis: Redis;
beforeAll(async () => {
  // U0AGENT was an admin when they submitted; the configuration no longer says so.
  stack = await startTestStack({
    env: { PROFILES_ADMINS: "U0ADMIN", PROFILES_OPERATORS: "U0AGENT" },
  });
  redis = new Redis(stack.config.redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis?.quit();
  await stack?.stop();
});

describe("a job re-checks the requester's role when it starts", () => {
  it("stops an enable job whose requester is no longer an admin, creating nothing", async () => {
    const queues = createQueues(redis, stack.config.redis.prefix);
    const queue = queues.provision;
    const data = provisionJobData(
      {
        instance: {
          id: INSTANCE_ID,
          arn: `arn:aws:connect:us-east-1:${ACCOUNT_ID}:instance/${INSTANCE_ID}`,
          alias: "examplecorp",
        },
        domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
        dlq: { mode: "new", name: `${DOMAIN}-dlq` },
        key: { mode: "new", alias: `alias/${DOMAIN}`, description: "x" },
        confirmRelink: false,
      },
      { requestedBy: "U0AGENT", channelId: "C0OPS", teamId: "T0SANDBOX" },
    );
    const { jobId } = await enqueueProvision(queues, data);
    const message = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .messages("C0OPS")
          .find((m) => renderText(m.blocks, m.text).includes("Not allowed any more")),
      { timeoutMs: 15_000, description: "the refusal in the job's message" },
    );
    expect(renderText(message.blocks, message.text)).toContain("needs the admin role");
    const job = await queue.getJob(jobId);
    expect(await job?.getState()).toBe("failed");
    expect(job?.attemptsMade).toBe(1);
    const state = stack.emulator.ctx.state;
    expect(Object.keys(state.sqs.queues)).not.toContain(`${DOMAIN}-dlq`);
    expect(state.kms.aliases[`alias/${DOMAIN}`]).toBeUndefined();
    await queues.close();
  });

  it("stops a discard whose requester is an operator, not an admin, before reading the queue", async () => {
    const queues = createQueues(redis, stack.config.redis.prefix);
    const queue = queues.reingest;
    const { jobId } = await enqueueDiscard(
      queues,
      { ...at("amazon-connect-legacy"), cls: "throttled", requestedBy: "U0AGENT" },
      { removeOnFail: false },
    );
    for (let i = 0; i < 100; i++) {
      if ((await (await queue.getJob(jobId))?.getState()) === "failed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await queue.getJob(jobId);
    expect(await after?.getState()).toBe("failed");
    expect(after?.failedReason).toContain("Discarding dead-letter messages needs the admin role");
    expect(stack.emulator.calls.get("sqs:ReceiveMessage") ?? 0).toBe(0);
    await queues.close();
  });
});
