/**
 * Slack's request signature and timestamp, checked before anything parses the body. The
 * signature is checked by Bolt's own verifier, on the same text Bolt will verify again, so
 * what passes here passes Bolt; the timestamp is checked here, because Bolt refuses only
 * old ones (docs/slack/platform.md).
 */
import type { IncomingHttpHeaders } from "node:http";
import { isValidSlackRequest } from "@slack/bolt";
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
  const valid = isValidSlackRequest({
    signingSecret: secret,
    body: body.toString(),
    headers: { "x-slack-signature": given, "x-slack-request-timestamp": Number(timestamp) },
    nowMilliseconds: nowMs,
  });
  return valid ? { ok: true, signature: given } : { ok: false, problem: "signature_mismatch" };
}
