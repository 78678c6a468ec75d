import { type Logger, LogLevel } from "@slack/bolt";

/** Keeps the test output to what the tests say: the SDK logs every refused call. */
export const quietLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
