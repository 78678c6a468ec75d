/**
 * A provision worker in its own process, for crash.test.ts. With CRASH_AFTER=<step> it
 * SIGKILLs itself the moment that step's checkpoint is saved (the reporter hears of a step
 * only after its checkpoint reached Redis); with CRASH_AFTER=none it runs until SIGTERM.
 *
 *   EMULATOR_URL=http://127.0.0.1:PORT PREFIX={pbtest-x} CRASH_AFTER=domain npx tsx test/provision/crash-worker.ts
 */
import { Redis } from "ioredis";
import { startProvisionWorker } from "../../jobs/provision.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { createLogger } from "../../src/logger.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import type { ProvisionReporter } from "../../src/provision/reporter.js";
import { emulatorTarget } from "../support/targets.js";

const env = process.env;
const emulatorUrl = env.EMULATOR_URL;
const prefix = env.PREFIX;
const crashAfter = env.CRASH_AFTER ?? "none";
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

const reporter: ProvisionReporter = {
  stepStarted: () => {},
  stepDone: (step) => {
    process.stdout.write(`STEP_DONE ${step}\n`);
    if (step === crashAfter) {
      // Synchronously, before anything else runs: the kill lands exactly after this checkpoint
      // (the other branch may have a call in flight, as a real crash would).
      process.kill(process.pid, "SIGKILL");
    }
  },
  completed: () => {
    process.stdout.write("COMPLETED\n");
  },
  failed: (failure) => {
    process.stdout.write(`FAILED ${failure.message}\n`);
  },
};

const worker = startProvisionWorker({
  connection: redis,
  prefix,
  targets: emulatorTarget(createGateways(clients)),
  bindings: new RedisBindingStore(redis, prefix),
  log: createLogger(env.LOG_LEVEL ?? "silent"),
  reporter: () => reporter,
  // A dead worker's lock expires within a second, and the next worker looks for stalled
  // jobs every half second, so each restart resumes the job quickly.
  workerOptions: { lockDuration: 1_000, stalledInterval: 500, maxStalledCount: 20 },
});

process.on("SIGTERM", () => {
  void (async () => {
    await worker.close();
    await redis.quit();
    clients.destroy();
    process.exit(0);
  })();
});

process.stdout.write("READY\n");
