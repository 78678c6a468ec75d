/**
 * The provisioning job end to end without the wizard: the stack started by a test, and jobs
 * enqueued on its real Redis with fast retries, run by the stack's worker against the
 * emulator. The stack, its Redis connection and queues are closed after each test.
 */
import { Redis } from "ioredis";
import { afterEach } from "vitest";
import type { Stack, StackOptions } from "../../sandbox/stack.js";
import type { ProvisionJobData } from "../../src/provision/plan-to-job.js";
import { createQueues, type JobQueues } from "../../src/queues/index.js";
import { enqueueProvision } from "../../src/queues/provision.js";
import { FAST_RETRIES } from "../provision/helpers.js";
import { startTestStack } from "./e2e.js";

export function useProvisionStack() {
  let stack: Stack | undefined;
  let redis: Redis | undefined;
  let queues: JobQueues | undefined;
  afterEach(async () => {
    await queues?.close();
    await redis?.quit();
    await stack?.stop();
    stack = undefined;
    redis = undefined;
    queues = undefined;
  });
  return {
    async start(opts: StackOptions = {}): Promise<{ stack: Stack; queues: JobQueues }> {
      stack = await startTestStack(opts);
      redis = new Redis(stack.config.redis.url, { maxRetriesPerRequest: null });
      queues = createQueues(redis, stack.config.redis.prefix);
      return { stack, queues };
    },
    enqueue(data: ProvisionJobData) {
      if (!queues) throw new Error("start() first");
      return enqueueProvision(queues, data, { jobOptions: FAST_RETRIES });
    },
  };
}
