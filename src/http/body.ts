/**
 * Reads a request body into memory, never more than a limit: a declared length over the
 * limit is refused before a byte is read, and a chunked body is counted as it arrives and
 * dropped the moment it passes the limit.
 */
import type { IncomingMessage } from "node:http";

/** Slack's payloads are a few kilobytes; a megabyte leaves room for the largest view. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type BodyRead =
  | { ok: true; body: Buffer }
  | { ok: false; problem: "body_too_large" | "body_aborted" };

export function readBody(req: IncomingMessage): Promise<BodyRead> {
  const declared = req.headers["content-length"];
  // Node has already refused a content-length that is not a number.
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    return Promise.resolve({ ok: false, problem: "body_too_large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (read: BodyRead) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onAbort);
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        // Stop reading: the caller answers 413 and closes the connection.
        req.pause();
        settle({ ok: false, problem: "body_too_large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, body: Buffer.concat(chunks, size) });
    const onAbort = () => settle({ ok: false, problem: "body_aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onAbort);
  });
}
