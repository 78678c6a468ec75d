/**
 * End-to-end tests run the real stack (emulator, Slack stand-in, bot and worker on real
 * Redis) under a Redis prefix of their own, removed afterwards.
 */
import {
  deletePrefix,
  type Stack,
  type StackOptions,
  startStack,
  testPrefix,
} from "../../sandbox/stack.js";

export async function startTestStack(opts: StackOptions = {}): Promise<Stack> {
  const prefix = testPrefix();
  const stack = await startStack({
    ...opts,
    emulator: { quotas: false, ...opts.emulator },
    env: { QUEUE_PREFIX: prefix, LOG_LEVEL: "silent", ...opts.env },
  });
  return {
    ...stack,
    stop: async () => {
      await stack.stop();
      await deletePrefix(stack.config, prefix);
    },
  };
}
