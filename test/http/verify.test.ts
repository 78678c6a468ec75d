/**
 * Signature and timestamp checks on the raw body, before any listener: the one check a
 * request's signature gets, which agrees with Bolt's own verifier.
 */
import { isValidSlackRequest } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { verifySlackSignature } from "../../src/http/verify.js";
import {
  type BoltServer,
  FORM,
  form,
  now,
  SECRET,
  send,
  sign,
  startBoltServer,
  startFakeServer,
  type TestServer,
} from "./support/server.js";

let server: TestServer | BoltServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const command = () =>
  form({ command: "/profiles", text: "help", user_id: "U0ADMIN", team_id: "T0TEST" });

describe("verifySlackSignature", () => {
  const body = Buffer.from(command());
  const at = 1_700_000_000;
  const headersFor = (timestamp: number, secret = SECRET) => ({
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": sign(body.toString(), FORM, { timestamp, secret }).signature,
  });

  it("accepts Slack's signature within five minutes either side of now", () => {
    for (const skew of [-300, 0, 300]) {
      const verified = verifySlackSignature(SECRET, headersFor(at + skew), body, at * 1000);
      expect(verified.ok).toBe(true);
    }
  });

  const without = (name: string, value?: string) => ({ ...headersFor(at), [name]: value });
  it.each([
    ["a timestamp over five minutes old", headersFor(at - 301), "timestamp_stale"],
    ["a timestamp over five minutes ahead", headersFor(at + 301), "timestamp_future"],
    ["no timestamp", without("x-slack-request-timestamp"), "timestamp_malformed"],
    [
      "a timestamp that is not a number",
      without("x-slack-request-timestamp", "1e9"),
      "timestamp_malformed",
    ],
    ["no signature", without("x-slack-signature"), "signature_malformed"],
    [
      "a signature of another version",
      without("x-slack-signature", `v1=${"0".repeat(64)}`),
      "signature_malformed",
    ],
    ["a truncated signature", without("x-slack-signature", "v0=00"), "signature_malformed"],
    ["another secret's signature", headersFor(at, "not-the-secret"), "signature_mismatch"],
  ])("refuses %s", (_, headers, problem) => {
    expect(verifySlackSignature(SECRET, headers, body, at * 1000)).toEqual({ ok: false, problem });
  });

  it("gives Bolt's own verifier's verdict on signatures right, wrong, and one digit off", () => {
    const texts = ["help", "enable examplecorp", "Zoë's “café” ✓ 🚀", "a&b=c%26d", ""];
    let compared = 0;
    for (const text of texts) {
      const raw = form({ command: "/profiles", text, user_id: "U0ADMIN" });
      const right = sign(raw, FORM, { timestamp: at, secret: SECRET }).signature;
      const digit = right.at(-1) === "0" ? "1" : "0";
      const candidates = [
        right,
        sign(raw, FORM, { timestamp: at, secret: `${SECRET}x` }).signature,
        `${right.slice(0, -1)}${digit}`,
        sign(`${raw}&x=1`, FORM, { timestamp: at, secret: SECRET }).signature,
      ];
      for (const signature of candidates) {
        const ours = verifySlackSignature(
          SECRET,
          { "x-slack-request-timestamp": String(at), "x-slack-signature": signature },
          Buffer.from(raw),
          at * 1000,
        ).ok;
        const bolts = isValidSlackRequest({
          signingSecret: SECRET,
          body: raw,
          headers: { "x-slack-signature": signature, "x-slack-request-timestamp": at },
          nowMilliseconds: at * 1000,
        });
        expect(ours, `${text}: ${signature}`).toBe(bolts);
        compared += 1;
      }
    }
    expect(compared).toBe(texts.length * 4);
  });

  it("refuses a body changed after signing", () => {
    const headers = headersFor(at);
    const changed = Buffer.from(command().replace("help", "enable"));
    expect(verifySlackSignature(SECRET, headers, changed, at * 1000)).toEqual({
      ok: false,
      problem: "signature_mismatch",
    });
  });
});

describe("the events endpoint", () => {
  it.each([
    ["a forged signature", { secret: "not-the-secret" }],
    ["a stale timestamp", { timestamp: now() - 6 * 60 }],
    ["a future timestamp", { timestamp: now() + 6 * 60 }],
  ])("answers 401 to %s before any listener runs", async (_, opts) => {
    server = await startFakeServer();
    const res = await send(server.events, sign(command(), FORM, opts));
    expect(res).toEqual({ status: 401, text: "" });
    expect(server.calls).toBe(0);
  });

  it("answers 401 to a request without signature headers", async () => {
    server = await startFakeServer();
    const res = await fetch(server.events, {
      method: "POST",
      headers: { "content-type": FORM },
      body: command(),
    });
    expect(res.status).toBe(401);
    expect(server.calls).toBe(0);
  });

  it("answers 405 to anything but POST, without calling Bolt", async () => {
    server = await startFakeServer();
    const res = await fetch(server.events);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(server.calls).toBe(0);
  });

  it("answers an unsigned ssl_check with a bare 200 without calling Bolt", async () => {
    server = await startFakeServer();
    const res = await fetch(server.events, {
      method: "POST",
      headers: { "content-type": FORM },
      body: "ssl_check=1&token=x",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(server.calls).toBe(0);
  });

  it.each([
    ["a forged signature", { secret: "not-the-secret" }],
    ["a future timestamp", { timestamp: now() + 6 * 60 }],
  ])("keeps %s from the real Bolt app, whose receiver does not check again", async (_, opts) => {
    const bolt = await startBoltServer();
    server = bolt;
    const res = await send(bolt.events, sign(command(), FORM, opts));
    expect(res).toEqual({ status: 401, text: "" });
    expect(bolt.calls).toBe(0);
    expect(bolt.seen.command).toBe(0);
  });

  it("passes a correctly signed command through to Bolt's listener", async () => {
    const bolt = await startBoltServer();
    server = bolt;
    const res = await send(bolt.events, sign(command(), FORM, { timestamp: now() + 60 }));
    expect(res).toEqual({ status: 200, text: "help text" });
    expect(bolt.seen.command).toBe(1);
  });
});
