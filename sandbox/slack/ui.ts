/**
 * The sandbox web UI: GET / serves one self-contained page (ui.html) that polls
 * GET /_sandbox/state and acts through POST /_sandbox/<verb>, which drive the bot with
 * the same SlackDriver the tests use. So what a person clicks is exactly what Slack
 * would send.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { renderText } from "./blocks.js";
import type { ElementTarget, Inputs, InputValue, SlackDriver, Surface } from "./driver.js";
import type { MessageRecord } from "./timeline.js";
import type { Json } from "./types.js";
import type { Workspace } from "./workspace.js";

export interface UiContext {
  ws: Workspace;
  driver: SlackDriver;
}

let page: Promise<string> | undefined;

function html(): Promise<string> {
  page ??= readFile(new URL("./ui.html", import.meta.url), "utf8");
  return page;
}

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

function messageJson(ws: Workspace, m: MessageRecord): Record<string, Json> {
  return {
    channel: m.channel,
    ts: m.ts,
    text: m.text,
    blocks: m.blocks ?? null,
    plain: renderText(m.blocks, m.text),
    edited: m.history.length,
    via: m.via,
    replies: ws.timeline.thread(m.channel, m.ts).map((r) => messageJson(ws, r)),
  };
}

/** What the page shows for one user in one channel. */
export function sandboxState(
  ws: Workspace,
  driver: SlackDriver,
  user: string,
  channel: string,
): Record<string, Json> {
  const tl = ws.timeline;
  const stack = tl.stacks.get(user) ?? [];
  return {
    version: tl.version,
    team: ws.team,
    bot: ws.bot,
    botConnected: Boolean(driver.options.botUrl && driver.options.signingSecret),
    user,
    channel,
    users: [...ws.users.values()],
    channels: [...ws.channels.values()],
    messages: tl.messages(channel).map((m) => messageJson(ws, m)),
    ephemerals: tl.ephemerals(user).map((e) => ({
      channel: e.channel,
      ts: e.ts,
      text: e.text,
      blocks: e.blocks ?? null,
      plain: renderText(e.blocks, e.text),
    })),
    stack: stack.map((r) => ({ view: r.view, errors: r.errors ?? null })),
    home: tl.home(user) ?? null,
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

const VERBS: Record<string, Verb> = {
  command: async (body, { driver }) => {
    const text = String(body.text ?? "").trim();
    if (!text.startsWith("/"))
      throw new Error("A slash command starts with /, e.g. /profiles help");
    return driver.type(text, {
      ...(typeof body.user === "string" ? { user: body.user } : {}),
      ...(typeof body.channel === "string" ? { channel: body.channel } : {}),
    });
  },
  click: (body, { driver }) => driver.clickButton(String(body.actionId), target(body)),
  select: (body, { driver }) =>
    driver.select(String(body.actionId), body.selected as InputValue, target(body)),
  options: (body, { driver }) =>
    driver.requestOptions(String(body.actionId), String(body.query ?? ""), target(body)),
  submit: (body, { driver }) =>
    driver.submitView(
      (body.values ?? {}) as Inputs,
      typeof body.user === "string" ? { user: body.user } : {},
    ),
  close: (body, { driver }) =>
    driver.closeView(typeof body.user === "string" ? { user: body.user } : {}),
  home: (body, { driver }) =>
    driver.openAppHome(typeof body.user === "string" ? { user: body.user } : {}),
  reset: async (_body, { ws }) => {
    ws.timeline.clear();
    return { ok: true };
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
    res.end(await html());
    return;
  }
  if (req.method === "GET" && path === "/_sandbox/state") {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    send(
      res,
      200,
      sandboxState(
        ctx.ws,
        ctx.driver,
        q.get("user") ?? ctx.driver.user,
        q.get("channel") ?? ctx.driver.channel,
      ),
    );
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
    send(res, 200, { ok: false, error: (err as Error).message.split("\nTimeline:")[0] });
  }
}
