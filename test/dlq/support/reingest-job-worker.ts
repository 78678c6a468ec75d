/**
 * A `reingest` queue worker in its own process, for reingest-crash.test.ts: the production
 * processor (jobs/reingest.ts) on real Redis and the emulator, with a short BullMQ lock so a
 * SIGKILL is noticed as a stalled job quickly. It prints `PROGRESS <done>` as the job goes.
 *
 *   EMULATOR_URL=http://127.0.0.1:PORT PREFIX={pbtest-x} npx tsx test/dlq/support/reingest-job-worker.ts
 */
import { Redis } from "ioredis";
import { startReingestWorker } from "../../../jobs/reingest.js";
import { createAwsClients } from "../../../src/aws/clients.js";
import { createGateways } from "../../../src/aws/gateways.js";
import { RedisDigestStore } from "../../../src/dlq/digests.js";
import { createLogger } from "../../../src/logger.js";
import { RedisBindingStore } from "../../../src/provision/bindings.js";
import { RedisRateLimiter } from "../../../src/ratelimit.js";
import { singlePlace } from "./place.js";

const env = process.env;
const { EMULATOR_URL: emulatorUrl, PREFIX: prefix } = env;
if (!emulatorUrl || !prefix) {
  process.stderr.write("EMULATOR_URL and PREFIX are required\n");
  process.exit(2);
}

const redis = new Redis(env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
const clients = createAwsClients({
  region: "us-east-1",
  endpoint: emulatorUrl,
  maxAttempts: 3,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const say = (line: string) => void process.stdout.write(`${line}\n`);
const quiet = async () => undefined;

startReingestWorker({
  connection: redis,
  prefix,
  targets: singlePlace(createGateways(clients)),
  bindings: new RedisBindingStore(redis, prefix),
  digests: new RedisDigestStore(redis, prefix),
  reporter: () => ({
    started: quiet,
    progress: (p) => say(`PROGRESS ${p.done}`),
    reingested: async (r) => say(`DONE ${r.done}`),
    discarded: quiet,
    failed: quiet,
  }),
  limiter: new RedisRateLimiter(redis, prefix),
  config: { reingest: { rate: Number(env.RATE ?? 10), profileIntervalMs: 1_100 } },
  log: createLogger(env.LOG_LEVEL ?? "silent"),
  passOptions: {
    leaseSeconds: Number(env.LEASE_SECONDS ?? 60),
    waitSeconds: 0,
    settleMs: 300,
    concurrency: 4,
    progressEveryMs: 50,
  },
  workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
});
say("READY");
