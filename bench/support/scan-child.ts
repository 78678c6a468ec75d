/**
 * Runs one DLQ scan, or the bare receive loop it is compared with, in a process of its own and
 * prints its time and peak live-heap growth (sampled after a forced GC) as JSON, so the
 * emulator's memory (in the parent) does not count as the scanner's.
 *   node --import tsx --expose-gc bench/support/scan-child.ts QUEUE_URL MAX_MESSAGES MODE RECEIVERS WARM_UP_URL
 * MODE is `bare` or `scan` (timed, nothing else running in the process; a scan twice: until
 * its summary, and until its give-back has made every message visible again) or `memory` (a scan
 * whose live heap is sampled after a forced GC every 50 ms, which costs it time: often enough
 * that a short scan gets as many chances to show its peak as a long one).
 * Every mode first scans the small WARM_UP_URL queue, untimed: a worker that scans is a
 * long-running process, and the SDK's lazy loading and the JIT's first passes belong in
 * neither figure.
 *
 * The bare loop is the floor a scan is held to: the same number of ReceiveMessage calls in
 * flight, through the same gateway and client, each asking for 10 messages with the same
 * lease, until the queue answers empty. Nothing else: no classification, no ids, no give-back.
 *
 * A scan streams its message ids per class, and its leases past the first 10,000, into Redis
 * as the job does (REDIS_URL, default redis://127.0.0.1:6379, under a prefix of its own,
 * removed at the end): the live heap sampled includes those buffers and the Redis client's. The commit after the scan is not timed.
 */
import { Redis } from "ioredis";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { redisHeldLeases } from "../../src/dlq/held-leases.js";
import { newScanId, scanQueue } from "../../src/dlq/scan.js";
import { createLogger } from "../../src/logger.js";

const LEASE_SECONDS = 600;
const [queueUrl = "", max = "0", mode = "scan", lanes = "10", warmUpUrl = ""] =
  process.argv.slice(2);
const endpoint = new URL(queueUrl).origin;
const clients = createAwsClients({
  region: "us-east-1",
  endpoint,
  maxAttempts: 3,
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});
const { sqs } = createGateways(clients);
const gc = (globalThis as { gc?: () => void }).gc;
const receivers = Number(lanes);

async function bare(maxMessages: number): Promise<number> {
  let received = 0;
  let drained = false;
  const lane = async () => {
    while (!drained && received < maxMessages) {
      const messages = await sqs.receive(queueUrl, {
        max: 10,
        visibilityTimeout: LEASE_SECONDS,
        waitSeconds: 0,
      });
      if (messages.length === 0) drained = true;
      received += messages.length;
    }
  };
  await Promise.all(Array.from({ length: receivers }, lane));
  return received;
}

const log = createLogger("silent");
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: 3,
});
const prefix = `{bench-scan-${process.pid}}`;
const digests = new RedisDigestStore(redis, prefix);
/** A made-up place: the recorder only needs a key. */
const DOMAIN = { account: "111122223333", region: "us-east-1", domain: "bench-scan" };
if (warmUpUrl) {
  const scanId = newScanId(Date.now());
  const ids = digests.recordScanIds(DOMAIN, scanId);
  await scanQueue(
    { sqs, log },
    {
      queueUrl: warmUpUrl,
      maxMessages: 100,
      samplesPerClass: 3,
      waitSeconds: 0,
      receivers,
      scanId,
      ids,
    },
  );
  await ids.commit();
}

const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const base = heap();
let peak = 0;
// Live memory, not garbage: collect before each sample, so the figure is what the scan holds.
const timer =
  mode === "memory"
    ? setInterval(() => {
        peak = Math.max(peak, heap() - base);
      }, 50)
    : undefined;
// When the scan starts giving its messages back (after its last receive).
let giveBackFrom: number | undefined;
const timedSqs = Object.assign(Object.create(sqs) as typeof sqs, {
  changeVisibilityBatch: (...args: Parameters<typeof sqs.changeVisibilityBatch>) => {
    giveBackFrom ??= performance.now();
    return sqs.changeVisibilityBatch(...args);
  },
});
const scanId = newScanId(Date.now());
const recorder = digests.recordScanIds(DOMAIN, scanId);
const start = performance.now();
const cpuFrom = process.cpuUsage();
const result: { total: number; messageIds?: unknown; returned?: Promise<number> } =
  mode === "bare"
    ? { total: await bare(Number(max)), messageIds: {} }
    : await scanQueue(
        { sqs: timedSqs, log },
        {
          queueUrl,
          maxMessages: Number(max),
          samplesPerClass: 3,
          waitSeconds: 0,
          leaseSeconds: LEASE_SECONDS,
          receivers,
          scanId,
          ids: recorder,
          held: redisHeldLeases(redis, prefix, DOMAIN, scanId),
        },
      );
// Until the summary is there (what the digest waits for), and until every message is
// visible again (what the scan lock waits for: the give-back runs on past the summary).
const ms = performance.now() - start;
const notReturned = await result.returned;
const returnedMs = performance.now() - start;
// CPU this process spent (user + system) until every message was back: on a shared machine,
// less moved by other work than the wall-clock figures.
const cpu = process.cpuUsage(cpuFrom);
const cpuMs = (cpu.user + cpu.system) / 1000;
const giveBackMs = giveBackFrom === undefined ? 0 : returnedMs - (giveBackFrom - start);
result.returned = undefined;
clearInterval(timer);
// What the scan returns is part of what it holds: sampled with the result alive.
const withIds = heap();
peak = Math.max(peak, withIds - base);
// The message ids per class (one per message, the digest's buttons act on them) used to be the
// one part of a scan that grows with the queue: measured on their own. They are streamed to
// Redis now, so the result holds none and this is ~0.
result.messageIds = undefined;
const ids = withIds - heap();
if (mode !== "bare") await recorder.commit();
await digests.remove(DOMAIN);
await redis.quit();
clients.destroy();
console.log(
  JSON.stringify({
    ms,
    returnedMs,
    giveBackMs,
    cpuMs,
    notReturned,
    peak,
    ids,
    total: result.total,
  }),
);
