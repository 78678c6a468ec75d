/**
 * The sandbox web UI: GET / serves one self-contained page (ui.html) that polls
 * GET /_sandbox/state and acts through POST /_sandbox/<verb>, which drive the bot with
 * the same SlackDriver the tests use. So what a person clicks is exactly what Slack
 * would send. Text reaches the page already rendered as Slack's client shows it
 * (mrkdwn.ts), so the page holds no formatting rules of its own.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isObject, renderText } from "./blocks.js";
import {
  type ElementTarget,
  type Inputs,
  type InputValue,
  type SlackDriver,
  SubmitRefused,
  type Surface,
} from "./driver.js";
import {
  type Directory,
  emojify,
  escapeCommandText,
  mrkdwnToHtml,
  mrkdwnToText,
  plainToHtml,
} from "./mrkdwn.js";
import type { EphemeralRecord, MessageRecord } from "./timeline.js";
import type { Json, SandboxHooks } from "./types.js";
import type { Workspace } from "./workspace.js";

export interface UiContext {
  ws: Workspace;
  driver: SlackDriver;
  /** The sandbox's controls (making failures, roles); absent ones are hidden. */
  hooks?: SandboxHooks;
}

let page: Promise<string> | undefined;

function html(): Promise<string> {
  page ??= readFile(new URL("./ui.html", import.meta.url), "utf8");
  return page;
}

/** The page's icon, also answered at /favicon.ico so the browser's own request finds it. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3f0e40"/><text x="8" y="12" font-size="10" text-anchor="middle" fill="#fff" font-family="sans-serif">P</text></svg>';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, Json>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) return {};
  const parsed = JSON.parse(raw);
  return typeof parsed === "object" && parsed !== null ? parsed : {};
}

/** Names and the clock as `user` reads them. */
function directoryFor(ws: Workspace, user: string): Directory {
  return {
    userName: (id) => ws.users.get(id)?.name,
    channelName: (id) => ws.channels.get(id)?.name,
    groupHandle: (id) => (ws.usergroups.has(id) ? id.toLowerCase() : undefined),
    tz: ws.users.get(user)?.tz ?? "Europe/London",
    now: ws.now(),
  };
}

/**
 * A copy of Block Kit JSON in which every text object also carries `html` (what Slack's
 * client shows, safe to insert) and `shown` (the same as plain text, for places that hold
 * no markup, like a select's options).
 */
function withRenderedText(value: Json, dir: Directory): Json {
  if (Array.isArray(value)) return value.map((v) => withRenderedText(v, dir));
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withRenderedText(v, dir);
  if (typeof value.text === "string") {
    if (value.type === "mrkdwn" || value.type === "markdown") {
      out.html = mrkdwnToHtml(value.text, dir);
      out.shown = mrkdwnToText(value.text, dir);
    } else if (value.type === "plain_text") {
      out.html = plainToHtml(value.text, value.emoji !== false);
      out.shown = value.emoji === false ? value.text : emojify(value.text);
    }
  }
  return out;
}

function messageJson(
  ws: Workspace,
  m: MessageRecord | EphemeralRecord,
  dir: Directory,
  ephemeral: boolean,
): Record<string, Json> {
  return {
    channel: m.channel,
    ts: m.ts,
    text: m.text,
    html: mrkdwnToHtml(m.text, dir),
    blocks: m.blocks ? withRenderedText(m.blocks, dir) : null,
    plain: renderText(m.blocks, m.text),
    edited: m.history.length,
    via: m.via,
    ephemeral,
    replies: ephemeral
      ? []
      : ws.timeline.thread(m.channel, m.ts).map((r) => messageJson(ws, r, dir, false)),
  };
}

/** Each user's role, from the sandbox when it knows them, else from the workspace's users. */
async function roles(ctx: UiContext): Promise<Record<string, string>> {
  const fromUsers: Record<string, string> = {};
  for (const u of ctx.ws.users.values()) if (u.role) fromUsers[u.id] = u.role;
  const live = ctx.hooks?.roles ? await ctx.hooks.roles() : {};
  return { ...fromUsers, ...live };
}

/** What the page shows for one user in one channel. */
async function sandboxState(
  ctx: UiContext,
  user: string,
  channel: string,
): Promise<Record<string, Json>> {
  const { ws, driver } = ctx;
  const tl = ws.timeline;
  const dir = directoryFor(ws, user);
  const stack = tl.stacks.get(user) ?? [];
  const roleOf = await roles(ctx);
  const home = tl.home(user);
  // Slack shows a user's ephemerals in the channel, between the messages, until reload.
  const timeline = [
    ...tl.messages(channel).map((m) => messageJson(ws, m, dir, false)),
    ...tl.ephemerals(user, channel).map((e) => messageJson(ws, e, dir, true)),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  return {
    version: tl.version,
    team: ws.team,
    bot: ws.bot,
    botConnected: Boolean(driver.options.botUrl && driver.options.signingSecret),
    user,
    channel,
    users: [...ws.users.values()].map((u) => ({
      id: u.id,
      name: u.name,
      real_name: u.real_name ?? null,
      role: roleOf[u.id] ?? null,
    })),
    channels: [...ws.channels.values()],
    messages: timeline,
    stack: stack.map((r) => ({ view: withRenderedText(r.view, dir), errors: r.errors ?? null })),
    home: home ? withRenderedText(home, dir) : null,
    sandbox: { failures: Boolean(ctx.hooks?.makeFailures) },
    calls: tl.calls
      .slice(-20)
      .map((c) => ({ method: c.method, ok: c.ok, error: c.error ?? null, at: c.at })),
  };
}

type Verb = (body: Record<string, Json>, ctx: UiContext) => Promise<unknown>;

function target(body: Record<string, Json>): ElementTarget {
  const t: ElementTarget = {};
  if (typeof body.user === "string") t.user = body.user;
  if (typeof body.surface === "string") t.in = body.surface as Surface;
  if (typeof body.blockId === "string") t.blockId = body.blockId;
  if (typeof body.value === "string") t.value = body.value;
  if (typeof body.channel === "string" && typeof body.ts === "string") {
    t.message = { channel: body.channel, ts: body.ts };
  }
  return t;
}

const asUser = (body: Record<string, Json>): { user?: string } =>
  typeof body.user === "string" ? { user: body.user } : {};

/** A typed line as Slack's client sends it: `#name` and `@name` become references. */
function commandFor(ws: Workspace, line: string): { command: string; text: string } {
  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  const command = space < 0 ? trimmed : trimmed.slice(0, space);
  const typed = space < 0 ? "" : trimmed.slice(space + 1).trim();
  const byName = <T extends { id: string; name: string }>(
    list: Iterable<T>,
    name: string,
    also?: (x: T) => string | undefined,
  ): string | undefined =>
    [...list].find((x) => x.name.toLowerCase() === name || also?.(x)?.toLowerCase() === name)?.id;
  const text = escapeCommandText(typed, {
    channelId: (name) => byName(ws.channels.values(), name),
    userId: (name) => byName(ws.users.values(), name, (u) => u.real_name),
  });
  return { command, text };
}

const VERBS: Record<string, Verb> = {
  command: async (body, { ws, driver }) => {
    const line = String(body.text ?? "").trim();
    if (!line.startsWith("/"))
      throw new Error("A slash command starts with /, e.g. /profiles help");
    const { command, text } = commandFor(ws, line);
    return driver.slashCommand(command, text, {
      ...asUser(body),
      ...(typeof body.channel === "string" ? { channel: body.channel } : {}),
    });
  },
  click: (body, { driver }) => driver.clickButton(String(body.actionId), target(body)),
  select: (body, { driver }) =>
    driver.select(String(body.actionId), body.selected as InputValue, target(body)),
  options: async (body, { ws, driver }) => {
    const res = await driver.requestOptions(
      String(body.actionId),
      String(body.query ?? ""),
      target(body),
    );
    const dir = directoryFor(ws, typeof body.user === "string" ? body.user : driver.user);
    return { ...res, options: withRenderedText(res.options, dir) };
  },
  fill: async (body, { driver }) => {
    driver.fillView((body.values ?? {}) as Inputs, asUser(body));
    return { filled: true };
  },
  submit: (body, { driver }) => driver.submitView((body.values ?? {}) as Inputs, asUser(body)),
  close: (body, { driver }) => driver.closeView(asUser(body)),
  home: (body, { driver }) => driver.openAppHome(asUser(body)),
  reset: async (_body, { ws }) => {
    ws.timeline.clear();
    return { ok: true };
  },
  failures: async (body, { hooks }) => {
    if (!hooks?.makeFailures) throw new Error("This sandbox cannot make failures.");
    const domain = typeof body.domain === "string" ? body.domain.trim() : "";
    if (!domain) throw new Error("Choose a domain to put failures into.");
    let label = domain;
    if (hooks.domains) {
      const known = await hooks.domains();
      const picked = known.find((d) => d.value === domain);
      if (!picked) {
        const choices = known.map((d) => d.label).join(", ");
        throw new Error(`There is no domain "${domain}"; choose one of: ${choices}.`);
      }
      label = picked.label;
    }
    const made = await hooks.makeFailures(domain);
    return { domain, label, ...made };
  },
};

export async function handleUi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ctx: UiContext,
): Promise<void> {
  if (req.method === "GET" && (path === "/" || path === "/index.html")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end((await html()).replace("{{FAVICON}}", encodeURIComponent(FAVICON)));
    return;
  }
  if (req.method === "GET" && path === "/favicon.ico") {
    res.writeHead(200, { "content-type": "image/svg+xml", "cache-control": "max-age=3600" });
    res.end(FAVICON);
    return;
  }
  if (req.method === "GET" && path === "/_sandbox/state") {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const user = q.get("user") ?? ctx.driver.user;
    send(res, 200, await sandboxState(ctx, user, q.get("channel") ?? ctx.driver.channel));
    return;
  }
  if (req.method === "GET" && path === "/_sandbox/domains") {
    send(res, 200, { ok: true, domains: ctx.hooks?.domains ? await ctx.hooks.domains() : [] });
    return;
  }
  const verb =
    path.startsWith("/_sandbox/") && req.method === "POST"
      ? VERBS[path.slice("/_sandbox/".length)]
      : undefined;
  if (!verb) {
    send(res, 404, { ok: false, error: "not_found" });
    return;
  }
  let body: Record<string, Json>;
  try {
    body = await readJson(req);
  } catch {
    send(res, 400, { ok: false, error: "invalid_json" });
    return;
  }
  try {
    send(res, 200, { ok: true, result: await verb(body, ctx) });
  } catch (err) {
    // The driver's errors are written for people ("required input … is empty"): show them.
    const message = (err as Error).message.split("\nTimeline:")[0];
    const field = err instanceof SubmitRefused ? { field: err.blockId, hint: err.hint } : {};
    send(res, 200, { ok: false, error: message, ...field });
  }
}
