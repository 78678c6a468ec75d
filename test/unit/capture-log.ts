/** The app's logger at debug level, writing its lines into an array the test reads. */
import { Writable } from "node:stream";
import { createLogger } from "../../src/logger.js";

export function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger("debug", stream) };
}
