/**
 * Reads a request body into memory, never more than a limit: a declared length over the
 * limit is refused before a byte is read, and a chunked body is counted as it arrives and
 * dropped the moment it passes the limit. What follows a refusal is read and dropped for a
 * bounded while (`dropRest`), so that the client reads the refusal.
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
        // Stop keeping it: the caller answers 413 and drops the rest (dropRest).
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

/**
 * After a refusal mid-body, how long and how much of the rest is read and dropped before
 * the connection is closed. Closing a socket with unread bytes makes the system reset the
 * connection, which can discard the refusal still queued for the client, and a client still
 * sending sees a broken pipe instead of the 413 (nginx's "lingering close" for the same
 * reason). A client that stops sending once it reads the answer, as curl and browsers do,
 * needs a few milliseconds; one that keeps sending is cut off at the bound.
 */
export const LINGER_MS = 2_000;
export const LINGER_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Reads the rest of a refused body and drops it, keeping nothing, until it ends, the client
 * leaves, or LINGER_MS or LINGER_BYTES pass; then the connection is closed.
 */
export function dropRest(req: IncomingMessage): void {
  let dropped = 0;
  const cutOff = () => req.socket.destroy();
  const timer = setTimeout(cutOff, LINGER_MS);
  timer.unref();
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) cutOff();
  };
  const done = () => {
    clearTimeout(timer);
    req.off("data", onData);
  };
  req.on("data", onData);
  req.once("end", done);
  req.once("close", done);
  req.resume();
}
