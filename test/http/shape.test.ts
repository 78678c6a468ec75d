/**
 * Validly signed bodies of shapes Slack never sends get a 400 from our server before Bolt
 * reads them (Bolt crashed the process on `payload=null`), and the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkShape } from "../../src/http/shape.js";
import { createLogger } from "../../src/logger.js";
import {
  type BoltServer,
  FORM,
  form,
  health,
  interactive,
  JSON_TYPE,
  send,
  sign,
  startBoltServer,
} from "./support/server.js";

let server: BoltServer;
beforeAll(async () => {
  server = await startBoltServer();
});
afterAll(async () => {
  await server?.close();
});

const user = { id: "U0ADMIN", team_id: "T0TEST" };
const team = { id: "T0TEST" };
const click = { type: "block_actions", user, team, actions: [{ action_id: "approve" }] };
const submit = { type: "view_submission", user, team, view: { callback_id: "wizard" } };
const homeOpened = { type: "event_callback", event: { type: "app_home_opened", user: "U0" } };
const command = { command: "/profiles", user_id: "U0ADMIN", team_id: "T0TEST", text: "" };

/** [what, content type, body] */
const ODD: [string, string, string][] = [
  ["payload=null", FORM, "payload=null"],
  ["payload=[]", FORM, "payload=%5B%5D"],
  ["payload=5", FORM, "payload=5"],
  ['payload="x"', FORM, "payload=%22x%22"],
  ["payload=true", FORM, "payload=true"],
  ["an empty payload", FORM, "payload="],
  ["a payload that is not JSON", FORM, "payload=%7Bnope"],
  ["two payloads", FORM, `${interactive(click)}&${interactive(click)}`],
  ["a payload without type", FORM, interactive({ user, team })],
  ["a payload with a numeric type", FORM, interactive({ ...click, type: 5 })],
  ["a payload of an unknown type", FORM, interactive({ type: "frobnicate", user, team })],
  ["a click without user", FORM, interactive({ ...click, user: undefined })],
  ["a click with user null", FORM, interactive({ ...click, user: null })],
  ["a click with a user without id", FORM, interactive({ ...click, user: { name: "x" } })],
  // Every kind Bolt reads `user.id` (or `user_id`) from names a user, as Slack always sends.
  ["a click whose user id is a number", FORM, interactive({ ...click, user: { id: 7 } })],
  ["a submission without user", FORM, interactive({ ...submit, user: undefined })],
  [
    "a view_closed without user",
    FORM,
    interactive({ ...submit, type: "view_closed", user: undefined }),
  ],
  [
    "an options request without user",
    FORM,
    interactive({ type: "block_suggestion", team, action_id: "picker" }),
  ],
  ["a command with no user_id field", FORM, form({ command: "/profiles", team_id: "T0TEST" })],
  ["a click with team a string", FORM, interactive({ ...click, team: "T0" })],
  ["a click with channel null", FORM, interactive({ ...click, channel: null })],
  ["a click with actions a number", FORM, interactive({ ...click, actions: 5 })],
  ["a click with no actions", FORM, interactive({ ...click, actions: [] })],
  ["a click with actions [null]", FORM, interactive({ ...click, actions: [null] })],
  [
    "a click with a numeric action_id",
    FORM,
    interactive({ ...click, actions: [{ action_id: 1 }] }),
  ],
  ["a click with view null", FORM, interactive({ ...click, view: null })],
  ["a click with response_urls [null]", FORM, interactive({ ...click, response_urls: [null] })],
  ["a submission without view", FORM, interactive({ ...submit, view: undefined })],
  ["a submission with view a string", FORM, interactive({ ...submit, view: "V0" })],
  [
    "a submission with a numeric callback_id",
    FORM,
    interactive({ ...submit, view: { callback_id: 7 } }),
  ],
  ["an interactive payload shaped as an event", FORM, interactive({ ...click, event: {} })],
  ["a command without user_id", FORM, form({ ...command, user_id: "" })],
  ["a command without team_id", FORM, form({ command: "/profiles", user_id: "U0" })],
  ["a command given twice", FORM, `${form(command)}&command=%2Fother`],
  ["a form that is an event", FORM, form({ ...command, event: "x" })],
  ["an empty form", FORM, ""],
  ["JSON null", JSON_TYPE, "null"],
  ["a JSON list", JSON_TYPE, "[]"],
  ["a JSON number", JSON_TYPE, "5"],
  ["a JSON string", JSON_TYPE, '"x"'],
  ["JSON without type", JSON_TYPE, JSON.stringify({ event: homeOpened.event })],
  ["broken JSON", JSON_TYPE, '{"type":'],
  ["an empty body", JSON_TYPE, ""],
  ["an event null", JSON_TYPE, JSON.stringify({ ...homeOpened, event: null })],
  ["an event that is a string", JSON_TYPE, JSON.stringify({ ...homeOpened, event: "x" })],
  ["an event without type", JSON_TYPE, JSON.stringify({ ...homeOpened, event: { user: "U0" } })],
  [
    "an event with item a string",
    JSON_TYPE,
    JSON.stringify({ ...homeOpened, event: { type: "reaction_added", item: "x" } }),
  ],
  [
    "an event with user null",
    JSON_TYPE,
    JSON.stringify({ ...homeOpened, event: { type: "app_home_opened", user: null } }),
  ],
  [
    "an event with authorizations [null]",
    JSON_TYPE,
    JSON.stringify({ ...homeOpened, authorizations: [null] }),
  ],
  ["a command sent as JSON", JSON_TYPE, JSON.stringify({ type: "x", ...command })],
  // Bolt compares the content type exactly and parses anything else as JSON.
  ["JSON null sent with a charset", `${FORM}; charset=utf-8`, "null"],
  ["a form sent as JSON", JSON_TYPE, form(command)],
];

describe("odd payload shapes, validly signed", () => {
  it.each(ODD)("answers 400 to %s, and /healthz still answers", async (_, type, body) => {
    const before = server.calls;
    const res = await send(server.events, sign(body, type), 5_000);
    expect(res.status).toBe(400);
    expect(server.calls).toBe(before);
    expect(await health(server.http.url)).toEqual({
      status: 200,
      body: { ok: true, status: "ok", redis: "up" },
    });
  });

  it("still routes each kind Slack sends", async () => {
    const kinds = [
      sign(form(command), FORM),
      sign(interactive(click), FORM),
      sign(interactive(submit), FORM),
      sign(interactive({ type: "block_suggestion", user, team, action_id: "picker" }), FORM),
      sign(JSON.stringify(homeOpened), JSON_TYPE),
    ];
    for (const signed of kinds) expect((await send(server.events, signed)).status).toBe(200);
    expect(server.seen).toEqual({ command: 1, action: 1, view: 1, options: 1, event: 1 });
  });

  it("answers url_verification with the challenge", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c-123", token: "t" });
    const res = await send(server.events, sign(body, JSON_TYPE));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: "c-123" });
  });
});

describe("logs", () => {
  it("name the request, method, status and code of a refusal, never the body", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("debug", { write: (line: string) => lines.push(JSON.parse(line)) });
    const logged = await startBoltServer({ log });
    try {
      const marker = "BODY-MARKER-7f3a";
      const bodies = [
        interactive({ ...click, user: marker }),
        `payload=${marker}`,
        form({ ...command, user_id: "", text: marker }),
      ];
      for (const body of bodies) {
        expect((await send(logged.events, sign(body, FORM))).status).toBe(400);
      }
      await send(
        logged.events,
        sign(interactive({ ...click, text: marker }), FORM, { secret: "x" }),
      );
      expect(JSON.stringify(lines)).not.toContain(marker);
      const refusals = lines.filter((l) => l.msg === "Slack request refused");
      expect(refusals).toHaveLength(4);
      for (const line of refusals) {
        expect(line).toMatchObject({ method: "POST", path: "/slack/events" });
        expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(refusals.map((l) => [l.status, l.code])).toEqual([
        [400, "payload_malformed"],
        [400, "payload_malformed"],
        [400, "payload_malformed"],
        [401, "signature_mismatch"],
      ]);
    } finally {
      await logged.close();
    }
  });
});

describe("checkShape", () => {
  it("gives a reason that names the field, never the body", () => {
    const secret = "do-not-log-me";
    const check = checkShape(FORM, Buffer.from(interactive({ ...click, user: secret })));
    expect(check).toEqual({ ok: false, reason: "user must be an object with a string id" });
    const broken = checkShape(JSON_TYPE, Buffer.from(`{"type":"${secret}`));
    expect(broken).toEqual({ ok: false, reason: "body is not JSON" });
  });

  it("accepts org-wide payloads, whose team is null", () => {
    expect(checkShape(FORM, Buffer.from(interactive({ ...click, team: null })))).toEqual({
      ok: true,
      kind: "action",
    });
  });
});
