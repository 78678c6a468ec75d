/**
 * Refuses a verified body of a shape Slack never sends, before Bolt reads it. Bolt reads
 * `payload=null` outside its error handling and the process dies; a `null` user or a
 * number for `actions` throws inside it and comes back as a 500 (docs/slack/platform.md).
 * So this parses the body exactly as Bolt will, works out which kind of request Bolt will
 * take it for, and checks the fields Bolt reads to route that kind. Listeners still check
 * the fields they use.
 */
import { parse as parseQuery } from "node:querystring";

/** Bolt compares the content type exactly, without parameters; so do we. */
const FORM = "application/x-www-form-urlencoded";

type Kind = "event" | "command" | "options" | "action" | "shortcut" | "view";

type Json = Record<string, unknown>;

export type ShapeCheck =
  | { ok: true; kind: Kind | "url_verification" }
  | { ok: false; reason: string };

/**
 * Whether a request of this kind must be acted on at most once, so that a second delivery
 * of its signature is refused. Every kind must, but options requests: they only read, and
 * Slack sends byte-identical ones (same query, same view, same second) when a person opens
 * a menu twice, where a refusal would leave the menu empty.
 */
export function actsOnce(kind: Kind | "url_verification"): boolean {
  return kind !== "options";
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const optional = (v: unknown, test: (v: unknown) => boolean) => v === undefined || test(v);
const isString = (v: unknown) => typeof v === "string";
const hasStringId = (v: unknown) => isObject(v) && typeof v.id === "string";

/** The kind Bolt takes a body for, tested in the order Bolt tests it. */
function kindOf(body: Json): Kind | undefined {
  if (body.event !== undefined) return "event";
  if (body.command !== undefined) return "command";
  if (body.name !== undefined || body.type === "block_suggestion") return "options";
  if (
    body.actions !== undefined ||
    body.type === "dialog_submission" ||
    body.type === "workflow_step_edit"
  ) {
    return "action";
  }
  if (body.type === "shortcut" || body.type === "message_action") return "shortcut";
  if (body.type === "view_submission" || body.type === "view_closed") return "view";
  return undefined;
}

const refuse = (reason: string): ShapeCheck => ({ ok: false, reason });

/** Every body Slack sends parses to an object with a string `type`; the reason when not. */
function parseTyped(text: string, what: "body" | "payload"): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${what} is not JSON`;
  }
  if (isObject(value) && typeof value.type === "string") return value;
  return `${what} must be a JSON object with a string type`;
}

/** `response_urls` (view submissions): Bolt reads the first one's `response_url`. */
function responseUrlsProblem(body: Json): string | undefined {
  if (optional(body.response_urls, (v) => Array.isArray(v) && v.every(isObject))) return undefined;
  return "response_urls must be a list of objects";
}

function eventProblem(body: Json): string | undefined {
  const event = body.event;
  if (!isObject(event) || typeof event.type !== "string") {
    return "event must be an object with a string type";
  }
  if (!optional(event.user, (v) => isString(v) || isObject(v))) {
    return "event.user must be a string or an object";
  }
  if (!optional(event.channel, (v) => isString(v) || isObject(v))) {
    return "event.channel must be a string or an object";
  }
  for (const field of ["item", "subteam", "assistant_thread", "message", "previous_message"]) {
    if (!optional(event[field], isObject)) return `event.${field} must be an object`;
  }
  const authorizations = body.authorizations;
  if (!optional(authorizations, (v) => Array.isArray(v) && v.every(isObject))) {
    return "authorizations must be a list of objects";
  }
  return responseUrlsProblem(body);
}

/** Interactive payloads: Bolt reads `user.id`, and `team`, `enterprise` and `channel` when set. */
function interactiveProblem(body: Json, kind: Kind): string | undefined {
  if (!hasStringId(body.user)) return "user must be an object with a string id";
  if (!optional(body.channel, hasStringId)) return "channel must be an object with a string id";
  for (const field of ["team", "enterprise"]) {
    const value = body[field];
    if (value !== undefined && value !== null && !isObject(value)) {
      return `${field} must be an object or null`;
    }
  }
  if (kind === "action" && body.actions !== undefined) {
    const actions = body.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every(isObject)) {
      return "actions must be a non-empty list of objects";
    }
    if (!actions.every((a) => optional(a.action_id, isString) && optional(a.block_id, isString))) {
      return "action_id and block_id must be strings";
    }
  }
  if (kind === "options") {
    if (!optional(body.action_id, isString) || !optional(body.block_id, isString)) {
      return "action_id and block_id must be strings";
    }
  }
  if (kind === "view" && !isObject(body.view)) return "view must be an object";
  if (!optional(body.view, isObject)) return "view must be an object";
  if (isObject(body.view) && !optional(body.view.callback_id, isString)) {
    return "view.callback_id must be a string";
  }
  if (kind === "shortcut" && !optional(body.callback_id, isString)) {
    return "callback_id must be a string";
  }
  return responseUrlsProblem(body);
}

function checkForm(text: string): ShapeCheck {
  const form = parseQuery(text);
  const payload = form.payload;
  if (payload !== undefined) {
    if (typeof payload !== "string") return refuse("payload is given more than once");
    const body = parseTyped(payload, "payload");
    if (typeof body === "string") return refuse(body);
    const kind = kindOf(body);
    if (kind === undefined || kind === "event" || kind === "command") {
      return refuse("payload is not an interactive payload Slack sends");
    }
    const problem = interactiveProblem(body, kind);
    return problem ? refuse(problem) : { ok: true, kind };
  }
  // A slash command: every field once, as Slack sends it.
  for (const [field, value] of Object.entries(form)) {
    if (typeof value !== "string") return refuse(`form field ${field} is given more than once`);
  }
  if (kindOf(form) !== "command") return refuse("a form without payload must be a slash command");
  for (const field of ["command", "user_id", "team_id"]) {
    if (!form[field]) return refuse(`slash command lacks ${field}`);
  }
  return { ok: true, kind: "command" };
}

function checkJson(text: string): ShapeCheck {
  const body = parseTyped(text, "body");
  if (typeof body === "string") return refuse(body);
  // Bolt answers this itself, before any listener.
  if (body.type === "url_verification") return { ok: true, kind: "url_verification" };
  // Slack sends JSON only for the Events API; other kinds come as forms.
  if (kindOf(body) !== "event") return refuse("a JSON body must be an event callback");
  const problem = eventProblem(body);
  return problem ? refuse(problem) : { ok: true, kind: "event" };
}

/**
 * Slack checks a slash command's URL with a form holding `ssl_check=1`, which Bolt answers
 * with a bare 200 without checking a signature or calling a listener; we answer it the same
 * way without handing it over.
 */
export function isSslCheck(contentType: string | undefined, body: Buffer): boolean {
  // Most bodies do not mention it; only those that do are parsed to tell for sure.
  return (
    contentType === FORM &&
    body.includes("ssl_check") &&
    parseQuery(body.toString()).ssl_check === "1"
  );
}

/** Whether Bolt can be handed this body; the reason, when not, is safe to log. */
export function checkShape(contentType: string | undefined, body: Buffer): ShapeCheck {
  const text = body.toString();
  return contentType === FORM ? checkForm(text) : checkJson(text);
}
