/**
 * Two accounts × two regions, the same Connect instance and domain name in each: the wizard
 * starts with the target step, enabling the same domain in all four places makes four domains
 * (read back per account and region through the SDK), four jobs and four messages, the second
 * account's calls made in a session named after the Slack user, each message naming its place;
 * /profiles status and the CLI list by place, and /profiles status takes --target as alerts does; a wrong external id is refused with a sentence naming the fix, in its own
 * group, while the other places still list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TARGET_ROLE_ARN } from "../../sandbox/aws/index.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { Stack } from "../../sandbox/stack.js";
import { RedisAuditLog } from "../../src/audit/audit.js";
import type { TargetRegistry } from "../../src/aws/target-registry.js";
import { placeId, refId } from "../../src/aws/targets.js";
import { createStatusCommand } from "../../src/cli/status.js";
import { createLogger } from "../../src/logger.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { provisionJobId } from "../../src/queues/provision.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { emulatorControl } from "../support/emulator-control.js";
import { enableWithDefaults, waitForView } from "../support/enable.js";
import { readMessage } from "../support/messages.js";
import {
  FOUR_PLACES,
  fourPlaceRegistry,
  fourPlaceTargets,
  SECOND_ACCOUNT,
  startFourPlaceStack,
} from "../support/targets.js";

const USER = "U0ADMIN";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const DOMAIN = "amazon-connect-examplecorp";
const SYSTEM = { type: "system" as const, reason: "test" };

let stack: Stack;
let registry: TargetRegistry;
let redis: Redis;
let queues: JobQueues;
beforeAll(async () => {
  stack = await startFourPlaceStack();
  registry = await fourPlaceRegistry(stack.emulator);
  redis = createRedis(stack.config, "client", createLogger("silent"));
  queues = createQueues(redis, stack.config.redis.prefix);
});
afterAll(async () => {
  await queues?.close();
  redis?.disconnect();
  registry?.stop();
  await stack?.stop();
});

const enabledMessages = () =>
  stack.slack.timeline
    .allMessages()
    .filter((m) => readMessage(m).includes("Customer Profiles enabled for examplecorp"));

describe("four places", () => {
  it("the wizard offers every place, and the same domain enabled in each is four domains, four jobs, four messages", async () => {
    await stack.slack.driver.type("/profiles enable", { user: USER });
    const step = await waitForView(stack, USER, "enable_target");
    const text = renderText(step.blocks);
    expect(text).toContain("Step 1 of 6");
    expect(JSON.stringify(step.blocks)).toContain(`home (${FOUR_PLACES[0]?.account}) · us-east-1`);
    expect(JSON.stringify(step.blocks)).toContain(`second (${SECOND_ACCOUNT}) · eu-west-2`);
    await stack.slack.driver.closeView({ user: USER });

    for (const place of FOUR_PLACES) {
      await enableWithDefaults(stack, USER, EXAMPLECORP, { place: placeId(place) });
    }
    await stack.slack.timeline.waitFor(() => (enabledMessages().length === 4 ? true : undefined), {
      timeoutMs: 60_000,
      description: "four enable messages, each completed",
    });

    for (const place of FOUR_PLACES) {
      const job = await queues.provision.getJob(provisionJobId(place, EXAMPLECORP));
      expect(job?.data).toMatchObject({ accountId: place.account, region: place.region });
      expect(await job?.getState()).toBe("completed");

      // What AWS holds in that account and region, read there through the SDK.
      const { profiles, connect } = registry.gateways(place, SYSTEM);
      const domain = await profiles.getDomain(DOMAIN);
      const where = `:${place.region}:${place.account}:`;
      expect(domain?.encryptionKey).toContain(where);
      expect(domain?.deadLetterQueueUrl).toContain(`/${place.account}/`);
      const instance = await connect.describeInstance(EXAMPLECORP);
      expect(instance?.arn).toContain(where);
      expect(await profiles.domainForInstance(instance?.arn ?? "")).toBe(DOMAIN);
    }
    // Each message names its own job: four ids, none shared.
    const ids = FOUR_PLACES.map((p) => provisionJobId(p, EXAMPLECORP));
    expect(new Set(ids).size).toBe(4);
    // Each Enable is audited under the domain's refId and place, as the job's outcome is, so
    // `/profiles audit <domain>` finds both; the instance goes with the parameters.
    const audit = new RedisAuditLog(redis, stack.config.redis.prefix, createLogger("silent"));
    const trail = await audit.latest({ limit: 500 });
    for (const place of FOUR_PLACES) {
      const target = refId({ ...place, domain: DOMAIN });
      const enabled = trail.filter((e) => e.action === "view:enable_review" && e.target === target);
      expect(enabled).toHaveLength(1);
      expect(enabled[0]).toMatchObject({
        place: registry.describe(place),
        jobId: provisionJobId(place, EXAMPLECORP),
        params: { instance: EXAMPLECORP },
        outcome: "succeeded",
      });
    }
    // ...and its own place, in its text and its notification: the four read alike otherwise.
    for (const place of FOUR_PLACES) {
      const id = provisionJobId(place, EXAMPLECORP);
      const message = enabledMessages().find((m) => readMessage(m).includes(id));
      expect(readMessage(message)).toContain(`in ${registry.describe(place)}`);
      expect(message?.text).toContain(`(${registry.describe(place)})`);
    }

    // The second account's work ran in sessions named after the person who pressed Enable.
    const { json } = await emulatorControl(stack.emulator.url, "assumed-roles", "GET");
    const sessions = (json.assumedRoles ?? [])
      .filter((e) => e.roleArn === TARGET_ROLE_ARN && e.outcome === "allowed")
      .map((e) => e.roleSessionName);
    expect(sessions).toContain(`profiles-bot-${USER}`);
  });

  it("/profiles status lists each place's domains under its name", async () => {
    const seen = stack.slack.timeline.ephemerals(USER).length;
    await stack.slack.driver.type("/profiles status", { user: USER });
    const answer = await stack.slack.timeline.waitFor(
      (t) =>
        t
          .ephemerals(USER)
          .slice(seen)
          .find((e) => readMessage(e).includes("second (")),
      { timeoutMs: 15_000, description: "the status answer by place" },
    );
    const text = readMessage(answer);
    for (const place of FOUR_PLACES) expect(text).toContain(registry.describe(place));
    expect(text.split(DOMAIN).length - 1).toBe(4);
  });

  it("/profiles status names the --target for each place holding the name, and looks where --target says", async () => {
    const ask = async (text: string, expected: string) => {
      const seen = stack.slack.timeline.ephemerals(USER).length;
      await stack.slack.driver.type(text, { user: USER });
      const reply = await stack.slack.timeline.waitFor(
        (t) =>
          t
            .ephemerals(USER)
            .slice(seen)
            .find((e) => readMessage(e).includes(expected)),
        { timeoutMs: 15_000, description: `the answer to ${text}` },
      );
      return readMessage(reply);
    };
    const several = await ask(`/profiles status ${DOMAIN}`, "exists in 4 places");
    for (const selector of ["home/us-east-1", "home/eu-west-2", "second/us-east-1"]) {
      expect(several).toContain(`/profiles status ${DOMAIN} --target ${selector}`);
    }
    const one = await ask(`/profiles status ${DOMAIN} --target second/eu-west-2`, "Dead-letter");
    expect(one).toContain(registry.describe({ account: SECOND_ACCOUNT, region: "eu-west-2" }));
    // Only that account's listing, both its regions, when --target names the target alone.
    const listed = await ask("/profiles status --target second", "second (");
    expect(listed).toContain(registry.describe({ account: SECOND_ACCOUNT, region: "us-east-1" }));
    expect(listed).not.toContain("home (");
    const unknown = await ask(`/profiles status ${DOMAIN} --target nope`, "no target named nope");
    expect(unknown).toContain(
      "the bot serves: home/us-east-1, home/eu-west-2, second/us-east-1, second/eu-west-2",
    );
  });

  it("the CLI lists one place with --target and --region, and names the targets for an unknown one", async () => {
    const env = {
      AWS_ENDPOINT_URL: stack.emulator.url,
      AWS_REGION: "us-east-1",
      AWS_TARGETS: JSON.stringify(fourPlaceTargets()),
      LOG_LEVEL: "silent",
    };
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdin: process.stdin,
      out: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
    };
    const status = createStatusCommand({
      env,
      awsCredentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    expect(
      await status([DOMAIN, "--target", "second", "--region", "eu-west-2", "--json"], io),
    ).toBe(0);
    const shown = JSON.parse(out.join("\n"));
    expect(shown).toMatchObject({ account: SECOND_ACCOUNT, region: "eu-west-2", name: DOMAIN });
    expect(await status(["--target", "nope"], io)).toBe(2);
    expect(err.join("\n")).toContain(
      "There is no target named nope: the bot serves home (us-east-1, eu-west-2), second (us-east-1, eu-west-2).",
    );
  });
});

describe("a wrong external id", () => {
  let wrong: Stack;
  beforeAll(async () => {
    wrong = await startFourPlaceStack({ externalId: "not-the-external-id" });
  });
  afterAll(async () => {
    await wrong?.stop();
  });

  it("is refused with a sentence naming the fix, in the second account's groups; the others still list", async () => {
    await wrong.slack.driver.type("/profiles status", { user: USER });
    const answer = await wrong.slack.timeline.waitFor(
      (t) => t.ephemerals(USER).find((e) => readMessage(e).includes("second (")),
      { timeoutMs: 20_000, description: "the status answer by place" },
    );
    const text = readMessage(answer);
    expect(text).toContain("amazon-connect-legacy"); // the home account's seeded domain, listed
    expect(text).toContain("Couldn't list this place's domains");
    expect(text).toContain(TARGET_ROLE_ARN);
    expect(text.toLowerCase()).toContain("external id");
  });
});
