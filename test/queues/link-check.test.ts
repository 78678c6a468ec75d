/**
 * The record Check again acts on, on the real Redis under a prefix of its own: what each read
 * of the instance's link comes to (still missing, another domain, the job's domain), that a
 * found link is recorded once (a second click reads nothing), that two clicks at once are one
 * check, and that a job without a record is "gone".
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { loadConfig } from "../../src/config.js";
import { provisionInput, provisionJobData } from "../../src/provision/plan-to-job.js";
import { summarise } from "../../src/provision/run.js";
import { checkLinkOnce, keepLinkCheck, readLinkCheck } from "../../src/queues/link-check.js";

const INSTANCE_ARN =
  "arn:aws:connect:us-east-1:111122223333:instance/5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";
const REFUSED = {
  call: "Customer Profiles PutIntegration",
  awsCode: "AccessDeniedException",
  awsMessage: "",
};

let redis: Redis;
const prefix = testPrefix();
const queues = () => ({ redis, prefix });

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", ROLE: "worker" }), prefix);
});

function jobLeftByHand(jobId: string) {
  const data = provisionJobData(
    {
      instance: { id: jobId, arn: INSTANCE_ARN, alias: "examplecorp" },
      domain: { mode: "new", name: DOMAIN, expirationDays: 366 },
      dlq: { mode: "none" },
      key: { mode: "aws-owned" },
      confirmRelink: false,
    },
    { requestedBy: "U0ADMIN", channelId: "C0OPS", teamId: "T0001" },
  );
  data.checkpoint = {
    done: ["domain", "link"],
    link: { instanceArn: INSTANCE_ARN, domain: DOMAIN, linked: false, refused: REFUSED },
  };
  data.message = { channel: "C0OPS", ts: "1700000000.000100" };
  return data;
}

describe("the Check again record", () => {
  it("says missing, then another domain, then records the job's domain once", async () => {
    const jobId = "enable-check-once";
    await keepLinkCheck(queues(), jobId, jobLeftByHand(jobId));
    let reads = 0;
    const linkedTo = (domain: string | undefined) => async () => {
      reads += 1;
      return domain;
    };

    expect(await checkLinkOnce(queues(), jobId, linkedTo(undefined))).toMatchObject({
      status: "missing",
    });
    expect(await checkLinkOnce(queues(), jobId, linkedTo("amazon-connect-other"))).toMatchObject({
      status: "elsewhere",
      domain: "amazon-connect-other",
    });
    expect((await readLinkCheck(queues(), jobId))?.linkedAt).toBeUndefined();

    const found = await checkLinkOnce(queues(), jobId, linkedTo(DOMAIN), () => new Date(0));
    expect(found.status).toBe("linked");
    const kept = await readLinkCheck(queues(), jobId);
    expect(kept?.linkedAt).toBe(new Date(0).toISOString());
    expect(kept?.data.checkpoint.link).toMatchObject({ linked: true, refused: REFUSED });
    // The completed report no longer asks for the link; the record still expires.
    const data = kept?.data ?? jobLeftByHand(jobId);
    expect(summarise(provisionInput(jobId, data), data.checkpoint).instance.byHand).toBeUndefined();
    expect(await redis.ttl(`${prefix}:link-check:${jobId}`)).toBeGreaterThan(13 * 86_400);

    // A second click, or a replay, reads nothing more.
    expect(reads).toBe(3);
    expect((await checkLinkOnce(queues(), jobId, linkedTo(DOMAIN))).status).toBe("already-linked");
    expect(reads).toBe(3);
  });

  it("lets one of two clicks at once check, and calls a job without a record gone", async () => {
    const jobId = "enable-check-twice";
    await keepLinkCheck(queues(), jobId, jobLeftByHand(jobId));
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const reading = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const held = new Promise<string>((resolve) => {
      release = () => resolve(DOMAIN);
    });
    const first = checkLinkOnce(queues(), jobId, () => {
      entered();
      return held;
    });
    // The first click holds the job's lock while it reads; the second finds it taken.
    await reading;
    expect((await checkLinkOnce(queues(), jobId, async () => DOMAIN)).status).toBe("busy");
    release();
    expect((await first).status).toBe("linked");

    expect(await checkLinkOnce(queues(), "enable-never-kept", async () => DOMAIN)).toEqual({
      status: "gone",
    });
  });
});
