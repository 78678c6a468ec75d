/**
 * Slack's request signature and timestamp, checked before anything parses the body: the
 * one check of a request's signature (docs/adr/0016). The signature is Slack's HMAC-SHA256
 * of `v0:<timestamp>:<body>`, compared in constant time; the timestamp is refused five
 * minutes either side of now, where Bolt refuses only old ones (docs/slack/platform.md).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { MAX_SKEW_SECONDS } from "./skew.js";

export { MAX_SKEW_SECONDS };

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
  // Slack signs the bytes it sent; both sides are 32 bytes here, as timingSafeEqual needs.
  const expected = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest();
  const valid = timingSafeEqual(expected, Buffer.from(given.slice(3), "hex"));
  return valid ? { ok: true, signature: given } : { ok: false, problem: "signature_mismatch" };
}
