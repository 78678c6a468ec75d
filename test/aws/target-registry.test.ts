/**
 * The targets registry: its places and names, the gateways it hands out per place and actor,
 * the session names, and the shared credentials cache (with a clock the test moves).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { createTargets, sessionNameOf, sharedCredentials } from "../../src/aws/target-registry.js";
import type { Actor } from "../../src/context.js";
import { AppError } from "../../src/errors.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const ALICE: Actor = { type: "slack", userId: "U0ALICE", teamId: "T1" };
const SCAN: Actor = { type: "system", reason: "scan" };

let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, quotas: false, region: "us-east-1" });
});
afterAll(async () => {
  await emulator?.close();
});

const awsOf = (region?: string) => ({
  ...(region ? { region } : {}),
  endpoint: emulator.url,
  maxAttempts: 2,
  credentials,
});

describe("sessionNameOf", () => {
  it("names the Slack user, or the job's reason, as STS allows", () => {
    expect(sessionNameOf(ALICE)).toBe("profiles-bot-U0ALICE");
    expect(sessionNameOf(SCAN)).toBe("profiles-bot-scan");
    expect(sessionNameOf({ type: "system", reason: "re-ingest <all> & more" })).toBe(
      "profiles-bot-re-ingest--all----more",
    );
    const long = sessionNameOf({ type: "system", reason: "x".repeat(100) });
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe("sharedCredentials", () => {
  const HOUR = 3_600_000;
  const counting = (clock: { now: number }) => {
    const calls = { count: 0 };
    const provider = async () => {
      calls.count += 1;
      return {
        accessKeyId: `ASIA${calls.count}`,
        secretAccessKey: "s",
        expiration: new Date(clock.now + HOUR),
      };
    };
    return { calls, provider };
  };

  it("reuses the session's credentials until five minutes before they expire, then refreshes", async () => {
    const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
    const { calls, provider } = counting(clock);
    const shared = sharedCredentials(provider, () => clock.now);
    const [a, b] = await Promise.all([shared(), shared()]);
    expect(calls.count).toBe(1);
    expect(a).toBe(b);
    clock.now += HOUR - 6 * 60_000;
    expect((await shared()).accessKeyId).toBe("ASIA1");
    clock.now += 2 * 60_000;
    expect((await shared()).accessKeyId).toBe("ASIA2");
    expect(calls.count).toBe(2);
  });

  it("keeps no failure: the next call tries again", async () => {
    let fail = true;
    const shared = sharedCredentials(async () => {
      if (fail) throw new Error("AccessDenied");
      return { accessKeyId: "ASIAOK", secretAccessKey: "s" };
    });
    await expect(shared()).rejects.toThrow("AccessDenied");
    fail = false;
    expect((await shared()).accessKeyId).toBe("ASIAOK");
  });
});

describe("createTargets, own credentials", () => {
  it("is today's one place when AWS_TARGETS is unset: the caller's account, the clients' region", async () => {
    const targets = await createTargets({
      targets: [{ name: "default", regions: [] }],
      aws: awsOf("us-east-1"),
    });
    try {
      const place = { account: ACCOUNT_ID, region: "us-east-1" };
      expect(targets.all()).toEqual([
        { name: "default", account: ACCOUNT_ID, regions: ["us-east-1"] },
      ]);
      expect(targets.places()).toEqual([place]);
      expect(targets.defaultPlace()).toEqual(place);
      expect(targets.describe(place)).toBe(`default (${ACCOUNT_ID}) · us-east-1`);
      // One set of clients for every actor: own credentials have no sessions.
      const gateways = targets.gateways(place, ALICE);
      expect(targets.gateways(place, SCAN)).toBe(gateways);
      expect((await gateways.profiles.listDomains()).map((d) => d.name)).toContain(
        "amazon-connect-legacy",
      );
    } finally {
      targets.stop();
    }
  });

  it("serves each configured region with clients of that region, and refuses other places", async () => {
    const targets = await createTargets({
      targets: [{ name: "tooling", regions: ["us-east-1", "eu-west-2"] }],
      aws: awsOf(),
    });
    try {
      expect(targets.places()).toEqual([
        { account: ACCOUNT_ID, region: "us-east-1" },
        { account: ACCOUNT_ID, region: "eu-west-2" },
      ]);
      const london = { account: ACCOUNT_ID, region: "eu-west-2" };
      expect(await targets.gateways(london, SCAN).identity?.region()).toBe("eu-west-2");
      expect(targets.targetOf(london)?.name).toBe("tooling");
      const elsewhere = { account: ACCOUNT_ID, region: "ap-south-1" };
      expect(targets.targetOf(elsewhere)).toBeUndefined();
      expect(targets.describe(elsewhere)).toBe(`${ACCOUNT_ID}.ap-south-1`);
      const refused = (() => {
        try {
          targets.gateways(elsewhere, ALICE);
          return undefined;
        } catch (err) {
          return err;
        }
      })();
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).userMessage).toBe(
        `The bot does not serve ${ACCOUNT_ID}.ap-south-1. Fix: pick one of its places: ${ACCOUNT_ID}.us-east-1, ${ACCOUNT_ID}.eu-west-2, or add it to AWS_TARGETS.`,
      );
    } finally {
      targets.stop();
    }
  });

  it("puts role targets' places by their ARN's account, the first entry's first region the default", async () => {
    const targets = await createTargets({
      targets: [
        {
          name: "prod",
          roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
          account: "444455556666",
          externalId: "x-1",
          regions: ["eu-west-2", "eu-central-1"],
        },
        { name: "tooling", regions: ["us-east-1"] },
      ],
      aws: awsOf(),
    });
    try {
      expect(targets.all().map((t) => [t.name, t.account])).toEqual([
        ["prod", "444455556666"],
        ["tooling", ACCOUNT_ID],
      ]);
      expect(targets.defaultPlace()).toEqual({ account: "444455556666", region: "eu-west-2" });
      expect(targets.places()).toHaveLength(3);
      expect(targets.describe({ account: "444455556666", region: "eu-central-1" })).toBe(
        "prod (444455556666) · eu-central-1",
      );
      // Clients per place and session: another user, another session; the same user, the same.
      const place = targets.defaultPlace();
      const alice = targets.gateways(place, ALICE);
      expect(targets.gateways(place, ALICE)).toBe(alice);
      expect(targets.gateways(place, SCAN)).not.toBe(alice);
    } finally {
      targets.stop();
    }
  });

  it("refuses the own credentials' account named by a role target too", async () => {
    await expect(
      createTargets({
        targets: [
          { name: "tooling", regions: ["us-east-1"] },
          {
            name: "same",
            roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/profiles-bot-target`,
            account: ACCOUNT_ID,
            regions: ["eu-west-2"],
          },
        ],
        aws: awsOf(),
      }),
    ).rejects.toThrow(
      `AWS_TARGETS: the bot's own credentials (target "tooling") are in account ${ACCOUNT_ID}, which a role target names too: list each account once, with all its regions in one entry.`,
    );
  });

  it("bounds the role sessions' clients, building a forgotten session's anew", async () => {
    const targets = await createTargets({
      targets: [
        {
          name: "prod",
          roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
          account: "444455556666",
          regions: ["eu-west-2"],
        },
      ],
      aws: awsOf(),
      maxSessions: 2,
    });
    try {
      const place = targets.defaultPlace();
      const as = (userId: string): Actor => ({ type: "slack", userId, teamId: "T1" });
      const first = targets.gateways(place, as("U1"));
      targets.gateways(place, as("U2"));
      expect(targets.gateways(place, as("U1"))).toBe(first);
      targets.gateways(place, as("U3"));
      // U2 was the least recently used: U1 is still held, U2 comes back as new clients.
      expect(targets.gateways(place, as("U1"))).toBe(first);
      const u2 = targets.gateways(place, as("U2"));
      targets.gateways(place, as("U3"));
      targets.gateways(place, as("U4"));
      expect(targets.gateways(place, as("U2"))).not.toBe(u2);
    } finally {
      targets.stop();
    }
  });
});
