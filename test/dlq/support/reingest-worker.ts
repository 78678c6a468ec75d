/**
 * A re-ingest worker in its own process, for reingest-crash.test.ts: it runs passes over the
 * DLQ until the queue is empty (messages leased by a killed predecessor come back once their
 * lease ends), printing `PROGRESS <done>` as it goes and `DONE <total done>` at the end.
 *
 *   EMULATOR_URL=http://127.0.0.1:PORT PREFIX={pbtest-x} DOMAIN=d QUEUE_URL=u npx tsx test/dlq/support/reingest-worker.ts
 */
import { Redis } from "ioredis";
import { createAwsClients } from "../../../src/aws/clients.js";
import { createGateways } from "../../../src/aws/gateways.js";
import { createPacer } from "../../../src/dlq/pacing.js";
import { reingest } from "../../../src/dlq/reingest.js";
import { createLogger } from "../../../src/logger.js";
import { RedisRateLimiter } from "../../../src/ratelimit.js";

const env = process.env;
const { EMULATOR_URL: emulatorUrl, PREFIX: prefix, DOMAIN: domain, QUEUE_URL: queueUrl } = env;
if (!emulatorUrl || !prefix || !domain || !queueUrl) {
  process.stderr.write("EMULATOR_URL, PREFIX, DOMAIN and QUEUE_URL are required\n");
  process.exit(2);
}

const redis = new Redis(env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
const clients = createAwsClients({
  region: "us-east-1",
  endpoint: emulatorUrl,
  maxAttempts: 3,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const gateways = createGateways(clients);
const pacer = createPacer({
  limiter: new RedisRateLimiter(redis, prefix),
  globalRate: Number(env.RATE ?? 400),
  profileIntervalMs: 1100,
});
const log = createLogger(env.LOG_LEVEL ?? "silent");

let total = 0;
const deadline = Date.now() + Number(env.DEADLINE_MS ?? 60_000);
while (Date.now() < deadline) {
  const result = await reingest(
    {
      sqs: gateways.sqs,
      profiles: gateways.profiles,
      pacer,
      log,
      progress: (p) => {
        process.stdout.write(`PROGRESS ${total + p.done}\n`);
      },
    },
    {
      domain,
      queueUrl,
      selection: { class: "throttled" },
      maxMessages: 100_000,
      leaseSeconds: Number(env.LEASE_SECONDS ?? 3),
      waitSeconds: 0,
      // The emulator ingests within milliseconds: a short watch for came-backs is enough.
      settleMs: 300,
      concurrency: 16,
      progressEveryMs: 100,
    },
  );
  total += result.done;
  const info = await gateways.sqs.queueInfo(queueUrl);
  if (info && info.approximateMessages + info.approximateNotVisible === 0) break;
  // What a killed worker leased comes back when its lease ends.
  await new Promise((r) => setTimeout(r, 500));
}
process.stdout.write(`DONE ${total}\n`);
await redis.quit();
clients.destroy();
process.exit(0);
