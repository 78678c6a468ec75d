/**
 * The step graph runner, the job's data and the alert-binding stores (both implementations
 * against one contract; the Redis one on real Redis under a throwaway prefix).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { refId } from "../../src/aws/targets.js";
import {
  type AlertBinding,
  type BindingStore,
  bindingsKey,
  MemoryBindingStore,
  RedisBindingStore,
} from "../../src/provision/bindings.js";
import { runGraph } from "../../src/provision/graph.js";
import {
  placeOfJob,
  provisionInput,
  provisionJobData,
  STEP_GRAPH,
} from "../../src/provision/plan-to-job.js";
import { summarise } from "../../src/provision/run.js";
import { PROVISION_JOB_ID, provisionJobId } from "../../src/queues/provision.js";
import { at } from "../dlq/support/place.js";
import { EXAMPLECORP, REDIS_URL, REGION, removeKeys, request, WHO } from "./helpers.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runGraph", () => {
  it("starts independent steps together and each step after its dependencies", async () => {
    const log: string[] = [];
    await runGraph(STEP_GRAPH, [], async (step) => {
      log.push(`start ${step}`);
      await tick(step === "queue" ? 20 : 5);
      log.push(`end ${step}`);
    });
    expect(log.slice(0, 2).sort()).toEqual(["start key", "start queue"]);
    const at = (e: string) => log.indexOf(e);
    for (const [step, deps] of Object.entries(STEP_GRAPH)) {
      for (const dep of deps) expect(at(`start ${step}`)).toBeGreaterThan(at(`end ${dep}`));
    }
    expect(log.filter((e) => e.startsWith("end"))).toHaveLength(8);
  });

  it("skips steps already done", async () => {
    const ran: string[] = [];
    await runGraph(STEP_GRAPH, ["queue", "queue-policy", "key"], async (step) => {
      ran.push(step);
    });
    expect(ran.sort()).toEqual(["alert-binding", "alias", "domain", "key-policy", "link"]);
  });

  it("on a failure lets running steps finish, starts nothing new, and throws the first error", async () => {
    const ended: string[] = [];
    const failing = runGraph(STEP_GRAPH, [], async (step) => {
      if (step === "key") throw new Error("CreateKey failed");
      await tick(20);
      ended.push(step);
    });
    await expect(failing).rejects.toThrow("CreateKey failed");
    // The queue branch was running when the key failed; it finished and recorded, then stopped.
    expect(ended).toEqual(["queue"]);
  });

  it("reports a graph that can never finish", async () => {
    const graph = { a: ["b"], b: ["a"] } as const;
    await expect(runGraph(graph, [], async () => {})).rejects.toThrow(/cycle/);
  });
});

describe("job data", () => {
  it("is plain JSON, carries who asked, and derives account and region from the instance", () => {
    const data = provisionJobData(request(), WHO, new Date("2025-01-01T00:00:00Z"));
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data).toMatchObject({
      ...WHO,
      accountId: "111122223333",
      region: "us-east-1",
      requestedAt: "2025-01-01T00:00:00.000Z",
      checkpoint: {},
    });
    const input = provisionInput("enable-x", data);
    expect(input).toMatchObject({ jobId: "enable-x", requestedBy: WHO.requestedBy });
  });

  it("gives a new key the alias the plan showed", () => {
    const typed = provisionJobData(
      request({ key: { mode: "new", alias: "my-key", description: "d" } }),
      WHO,
    );
    expect(provisionInput("j", typed).key).toMatchObject({ alias: "alias/my-key" });
    const empty = provisionJobData(request({ key: { mode: "new", alias: " " } }), WHO);
    expect(provisionInput("j", empty).key).toMatchObject({
      alias: "alias/amazon-connect-examplecorp",
    });
  });

  it("reports the alias an existing key already has, and the one a new key was given", () => {
    const arn = "arn:aws:kms:us-east-1:111122223333:key/k-1";
    const existing = provisionInput(
      "j",
      provisionJobData(
        request({
          key: {
            mode: "existing",
            keyId: "k-1",
            arn,
            updatePolicy: false,
            confirmedStatement: false,
            alias: "alias/ops",
          },
        }),
        WHO,
      ),
    );
    const key = { keyId: "k-1", arn, created: false };
    expect(summarise(existing, { key }).key).toEqual({ arn, alias: "alias/ops", created: false });
    const fresh = provisionInput("j", provisionJobData(request({}), WHO));
    expect(
      summarise(fresh, {
        key: { ...key, created: true },
        alias: { name: "alias/x", created: true },
      }).key,
    ).toEqual({ arn, alias: "alias/x", created: true });
  });

  it("refuses an instance ARN it cannot read", () => {
    expect(() =>
      provisionJobData(request({ instance: { id: "x", arn: "not-an-arn" } }), WHO),
    ).toThrow(/Connect instance ARN/);
  });

  it("gives one job id per instance and place, without ':'", () => {
    const place = { account: ACCOUNT_ID, region: REGION };
    expect(provisionJobId(place, EXAMPLECORP.id)).toBe(
      `enable-${ACCOUNT_ID}.${REGION}.${EXAMPLECORP.id}`,
    );
    expect(provisionJobId(place, "a:b/c")).toBe(`enable-${ACCOUNT_ID}.${REGION}.a-b-c`);
    const elsewhere = provisionJobId({ account: "444455556666", region: REGION }, EXAMPLECORP.id);
    expect(elsewhere).not.toBe(provisionJobId(place, EXAMPLECORP.id));
    expect(PROVISION_JOB_ID.test(elsewhere)).toBe(true);
    expect(PROVISION_JOB_ID.test(`enable-${EXAMPLECORP.id}`)).toBe(false);
  });

  it("refuses an instance from another place than the one picked", () => {
    expect(() =>
      provisionJobData(request(), WHO, new Date(), { account: "444455556666", region: REGION }),
    ).toThrow(/is in 111122223333\.us-east-1, not in 444455556666\.us-east-1/);
    const data = provisionJobData(request(), WHO, new Date(), {
      account: ACCOUNT_ID,
      region: REGION,
    });
    expect(placeOfJob(data)).toEqual({ account: ACCOUNT_ID, region: REGION });
  });
});

const EXAMPLECORP_REF = at("amazon-connect-examplecorp");
/** The same domain name in another account and region. */
const ELSEWHERE = {
  account: "444455556666",
  region: "eu-west-2",
  domain: "amazon-connect-examplecorp",
};

const binding = (over: Partial<AlertBinding> = {}): AlertBinding => ({
  ...at("amazon-connect-examplecorp"),
  channelId: "C1",
  teamId: "T1",
  queueUrl: "http://127.0.0.1/111122223333/q",
  boundBy: "U1",
  boundAt: "2025-01-01T00:00:00.000Z",
  ...over,
});

function bindingContract(name: string, make: () => BindingStore) {
  describe(`${name} binding store`, () => {
    it("sets, gets, lists and removes a binding", async () => {
      const store = make();
      expect(await store.get(EXAMPLECORP_REF)).toBeUndefined();
      await store.set(binding());
      await store.set(binding({ domain: "other", channelId: "C2" }));
      // The same name elsewhere is another binding, untouched by this one's removal.
      await store.set(binding({ ...ELSEWHERE, channelId: "C3" }));
      expect(await store.get(EXAMPLECORP_REF)).toEqual(binding());
      expect((await store.list()).map((b) => refId(b)).sort()).toEqual([
        `111122223333.us-east-1.amazon-connect-examplecorp`,
        `111122223333.us-east-1.other`,
        `444455556666.eu-west-2.amazon-connect-examplecorp`,
      ]);
      expect(await store.remove(EXAMPLECORP_REF)).toBe(true);
      expect(await store.remove(EXAMPLECORP_REF)).toBe(false);
      expect(await store.get(EXAMPLECORP_REF)).toBeUndefined();
      expect((await store.get(ELSEWHERE))?.channelId).toBe("C3");
    });

    it("leaves a binding that was re-pointed to another channel", async () => {
      const store = make();
      await store.set(binding({ channelId: "C9" }));
      expect(await store.remove(EXAMPLECORP_REF, "C1")).toBe(false);
      expect((await store.get(EXAMPLECORP_REF))?.channelId).toBe("C9");
      expect(await store.remove(EXAMPLECORP_REF, "C9")).toBe(true);
    });
  });
}

bindingContract("in-memory", () => new MemoryBindingStore());

describe("Redis", () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const prefixes: string[] = [];
  beforeAll(() => redis.connect());
  afterAll(async () => {
    for (const prefix of prefixes) await removeKeys(redis, prefix);
    await redis.quit();
  });

  bindingContract("Redis", () => {
    const prefix = `{pbtest-${randomUUID().slice(0, 8)}}`;
    prefixes.push(prefix);
    return new RedisBindingStore(redis, prefix);
  });

  it("keeps bindings under the configured prefix, in one hash", async () => {
    const prefix = `{pbtest-${randomUUID().slice(0, 8)}}`;
    prefixes.push(prefix);
    await new RedisBindingStore(redis, prefix).set(binding());
    expect(bindingsKey(prefix)).toBe(`${prefix}:alert-bindings`);
    expect(await redis.hkeys(bindingsKey(prefix))).toEqual([
      "111122223333.us-east-1.amazon-connect-examplecorp",
    ]);
  });
});
