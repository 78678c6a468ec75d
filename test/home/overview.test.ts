import { Worker } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderText } from "../../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { type Config, loadConfig } from "../../src/config.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { RedisKeyCheckStore } from "../../src/domains/key-check.js";
import { gatherOverview } from "../../src/home/overview.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import { scheduleDomainScan, scheduleReconcile } from "../../src/queues/dlq-scan.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { JOBS, QUEUES } from "../../src/queues/names.js";
import { recentJobs } from "../../src/queues/recent-jobs.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { renderHome } from "../../src/slack/render/home.js";
import { at } from "../dlq/support/place.js";

interface Fixture {
  config: Config;
  connection: Redis;
  client: Redis;
  queues: JobQueues;
  workers: Worker[];
}
let fixture: Fixture | undefined;

function setup(): Fixture {
  const config = loadConfig({
    SLACK_BOT_TOKEN: "xoxb-test",
    ROLE: "worker",
    QUEUE_PREFIX: testPrefix(),
  });
  const connection = createRedis(config, "worker");
  const client = createRedis(config, "client");
  fixture = {
    config,
    connection,
    client,
    queues: createQueues(connection, config.redis.prefix),
    workers: [],
  };
  return fixture;
}

afterEach(async () => {
  if (!fixture) return;
  const { config, connection, client, queues, workers } = fixture;
  fixture = undefined;
  await Promise.all(workers.map((w) => w.close()));
  await queues.close();
  connection.disconnect();
  client.disconnect();
  await deletePrefix(config, config.redis.prefix);
});

/** Completes every job of the queue: what this test looks at is what the jobs leave behind. */
function drain(f: Fixture, queue: string): Worker {
  const worker = new Worker(queue, async () => ({ ok: true }), {
    connection: f.connection,
    prefix: f.config.redis.prefix,
  });
  f.workers.push(worker);
  return worker;
}

const DOMAIN = "amazon-connect-acme";

describe("App Home's jobs", () => {
  it("shows what people started and the latest scan per domain, not every periodic job", async () => {
    const f = setup();
    const { provision, reingest } = f.queues;

    // What people did, shortly before the schedulers start ticking.
    await provision.add(JOBS.enable, { request: { domain: { name: DOMAIN } } });
    await reingest.add(JOBS.reingest, { domain: DOMAIN, cls: "x", requestId: "r1" });
    await reingest.add(JOBS.discard, { domain: DOMAIN, cls: "y", requestId: "r2" });
    drain(f, QUEUES.provision);
    drain(f, QUEUES.reingest);
    const waiting = { timeout: 10_000, interval: 25 };
    await vi.waitUntil(
      async () =>
        (await provision.getCompletedCount()) === 1 && (await reingest.getCompletedCount()) === 2,
      waiting,
    );

    // The schedulers as the bot creates them, at an interval short enough to pile jobs up.
    const everyMs = 50;
    await scheduleDomainScan(f.queues, at(DOMAIN), everyMs);
    await scheduleDomainScan(f.queues, at("amazon-connect-beta"), everyMs);
    await scheduleReconcile(f.queues, everyMs);
    const scanner = drain(f, QUEUES.dlqScan);
    // Counted as they complete: each reconcile's removeOnComplete trims the scans kept too.
    let ran = 0;
    scanner.on("completed", () => {
      ran += 1;
    });
    await vi.waitUntil(() => ran >= 30, waiting);
    await scanner.close();

    const prefix = f.config.redis.prefix;
    const overview = await gatherOverview({
      bindings: new RedisBindingStore(f.client, prefix),
      digests: new RedisDigestStore(f.client, prefix),
      keyChecks: new RedisKeyCheckStore(f.client, prefix),
      jobs: () => recentJobs(f.queues),
    });
    const shown = overview.jobs.map((j) => `${j.queue} ${j.name} ${j.subject} ${j.state}`);

    expect(shown).toContain(`provision enable ${DOMAIN} completed`);
    expect(shown).toContain(`reingest reingest ${DOMAIN} completed`);
    expect(shown).toContain(`reingest discard ${DOMAIN} completed`);
    expect(shown.filter((s) => s.startsWith("dlq-scan reconcile"))).toEqual([]);
    // One line per domain, for the scan that ran last rather than the scheduler's next slot.
    // (Its state is not asserted: closing the worker can leave a slot just due, i.e. waiting.)
    const scans = overview.jobs.filter((j) => j.name === JOBS.scan);
    expect(scans.map((j) => j.subject).sort()).toEqual([DOMAIN, "amazon-connect-beta"]);
    expect(scans.filter((j) => j.state === "delayed")).toEqual([]);

    // The Home tab lists only the newest few: people's jobs must not be pushed off it.
    const text = renderText(renderHome(overview, "admin").blocks as never[]);
    expect(text).toContain(`provision enable \`${DOMAIN}\``);
    expect(text).toContain(`reingest reingest \`${DOMAIN}\``);
    expect(text).toContain(`reingest discard \`${DOMAIN}\``);
  });
});
