/**
 * Slack's request signature, checked on the raw bytes before anything parses them:
 * `X-Slack-Signature = v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body))`,
 * with the timestamp no more than five minutes from now in either direction.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export const MAX_SKEW_SECONDS = 5 * 60;

export type VerifyProblem =
  | "timestamp_malformed"
  | "timestamp_stale"
  | "timestamp_future"
  | "signature_malformed"
  | "signature_mismatch";

export type Verified = { ok: true; signature: string } | { ok: false; problem: VerifyProblem };

const SIGNATURE = /^v0=[0-9a-f]{64}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

export function signatureFor(secret: string, timestamp: string, body: Buffer): string {
  const mac = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body);
  return `v0=${mac.digest("hex")}`;
}

export function verifySlackSignature(
  secret: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  nowMs = Date.now(),
): Verified {
  const timestamp = header(headers, "x-slack-request-timestamp");
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, problem: "timestamp_malformed" };
  // Bolt only refuses old timestamps; a future one would let a captured request be
  // replayed until that time, so both directions are refused.
  const skew = Number(timestamp) - Math.floor(nowMs / 1000);
  if (skew < -MAX_SKEW_SECONDS) return { ok: false, problem: "timestamp_stale" };
  if (skew > MAX_SKEW_SECONDS) return { ok: false, problem: "timestamp_future" };

  const given = header(headers, "x-slack-signature");
  if (!given || !SIGNATURE.test(given)) return { ok: false, problem: "signature_malformed" };
  const expected = signatureFor(secret, timestamp, body);
  // Both are "v0=" and 64 hex digits here, so the lengths match and the compare is
  // constant-time over the whole value.
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return { ok: false, problem: "signature_mismatch" };
  }
  return { ok: true, signature: given };
}
