/**
 * The local Slack stand-in: an HTTP server that answers the Web API at /api/<method> the
 * way Slack does (HTTP 200 with ok:false for errors, 429 with Retry-After when rate
 * limited), serves response_urls at /response/<id>, Socket Mode connections at
 * /socket-mode/<ticket> (see socket.ts), and the sandbox web UI at /.
 * Bolt's real WebClient talks to it with `slackApiUrl: apiUrl`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seeded } from "../seeded.js";
import { type DriverOptions, SlackDriver } from "./driver.js";
import { SOCKET_MODE_PATH, SocketModeHub } from "./socket.js";
import { Timeline } from "./timeline.js";
import type {
  Json,
  RateLimitConfig,
  RateLimitRule,
  SandboxChannel,
  SandboxHooks,
  SandboxUser,
} from "./types.js";
import { handleUi } from "./ui.js";
import { SlackApiError, Workspace, type WorkspaceOptions } from "./workspace.js";

export interface StandInOptions extends WorkspaceOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Tokens the Web API accepts; by default any non-empty token. */
  tokens?: string[];
  /** Where the driver sends what Slack sends; can be set later with `driver.configure`. */
  botUrl?: string;
  signingSecret?: string;
  rateLimit?: RateLimitConfig;
  /** Seed for `fraction` rate limits, so a flaky-looking run can be replayed. */
  seed?: number;
  /** Log each API call to stderr (the sandbox turns this on). */
  log?: (line: string) => void;
  /** Hooks behind the page's sandbox controls (making failures, roles); each is optional. */
  sandbox?: SandboxHooks;
  /**
   * The bot token's scopes, sent as Slack does in the `x-oauth-scopes` header of every
   * answer; by default manifest.yml's bot scopes. `null` sends no header.
   */
  botScopes?: string[] | null;
}

/** manifest.yml's oauth_config.scopes.bot (test/doctor/requirements.test.ts keeps them equal). */
export const DEFAULT_BOT_SCOPES = [
  "commands",
  "chat:write",
  "users:read",
  "usergroups:read",
  "channels:read",
  "groups:read",
];

export interface SlackStandIn {
  /** Base URL, e.g. http://127.0.0.1:41234 (the sandbox UI lives here). */
  url: string;
  /** Web API base for `new WebClient(token, { slackApiUrl: apiUrl })`; ends with /api/. */
  apiUrl: string;
  timeline: Timeline;
  workspace: Workspace;
  /** The default driver (user U0ADMIN in C0OPS); point it at the bot with `configure`. */
  driver: SlackDriver;
  server: Server;
  /** Slack's side of Socket Mode; `driver.configure({ socketMode })` sends through it. */
  socketMode: SocketModeHub;
  /** Live rate-limit rules, per method; tests may change them between calls. */
  rateLimit: RateLimitConfig;
  setRateLimit(method: string, rule: RateLimitRule | undefined): void;
  /**
   * Make the next `times` calls of a method fail with this error code; `"response_url"`
   * makes the next posts to any response_url answer 404 with it (expired_url, used_url).
   */
  failNext(method: string, error: string, times?: number): void;
  /** The scopes x-oauth-scopes names from now on; `null` leaves the header out. */
  setBotScopes(scopes: string[] | null): void;
  /** Add (or replace) users, channels and user groups at run time. */
  addUser(user: SandboxUser): void;
  addChannel(channel: SandboxChannel): void;
  setUsergroup(id: string, members: string[]): void;
  /** Another driver, e.g. for a second user. */
  createDriver(opts?: DriverOptions): SlackDriver;
  close(): Promise<void>;
}

type Handler = (args: Record<string, Json>, ws: Workspace, token?: string) => Record<string, Json>;

/** Fields the WebClient sends as JSON strings inside a form body. */
const JSON_FIELDS = ["blocks", "attachments", "view", "metadata", "options", "user_ids", "outputs"];

function str(v: Json): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

const METHODS: Record<string, Handler> = {
  "api.test": (args) => ({ args }),
  "auth.test": (_args, ws) => ({
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.bot.name,
    team_id: ws.team.id,
    user_id: ws.bot.userId,
    bot_id: ws.bot.botId,
    app_id: ws.bot.appId,
    is_enterprise_install: false,
  }),
  "chat.postMessage": (args, ws) => {
    const m = ws.postMessage(args);
    return { channel: m.channel, ts: m.ts, message: ws.messageJson(m) };
  },
  "chat.update": (args, ws) => {
    const m = ws.updateMessage(args);
    return { channel: m.channel, ts: m.ts, text: m.text, message: ws.messageJson(m) };
  },
  "chat.delete": (args, ws) => {
    const m = ws.deleteMessage(args);
    return { channel: m.channel, ts: m.ts };
  },
  "chat.postEphemeral": (args, ws) => ({ message_ts: ws.postEphemeral(args).ts }),
  "chat.getPermalink": (args, ws) => {
    const channel = ws.resolveChannel(args.channel);
    const ts = str(args.message_ts) ?? "";
    if (!ws.timeline.message(channel, ts)) throw new SlackApiError("message_not_found");
    return {
      channel,
      permalink: `https://${ws.team.domain}.slack.com/archives/${channel}/p${ts.replace(".", "")}`,
    };
  },
  // Workflow Builder steps: the driver's runFunction starts one, these end it (recorded in
  // timeline.functionRuns).
  "functions.completeSuccess": (args, ws, token) => {
    ws.endFunction(args, token, true);
    return {};
  },
  "functions.completeError": (args, ws, token) => {
    ws.endFunction(args, token, false);
    return {};
  },
  "views.open": (args, ws) => {
    const user = ws.consumeTrigger(args.trigger_id);
    return { view: ws.openView(user, args.view) };
  },
  "views.push": (args, ws) => {
    const user = ws.consumeTrigger(args.trigger_id);
    return { view: ws.pushView(user, args.view) };
  },
  "views.update": (args, ws) => ({ view: ws.updateView(args) }),
  "views.publish": (args, ws) => ({ view: ws.publishHome(args) }),
  "users.info": (args, ws) => {
    const u = ws.users.get(str(args.user) ?? "");
    if (!u) throw new SlackApiError("user_not_found");
    return {
      user: {
        id: u.id,
        team_id: ws.team.id,
        name: u.name,
        real_name: u.real_name ?? u.name,
        is_admin: Boolean(u.is_admin),
        is_owner: false,
        is_bot: false,
        deleted: false,
        tz: u.tz ?? "Europe/London",
        profile: {
          real_name: u.real_name ?? u.name,
          display_name: u.name,
          ...(u.email ? { email: u.email } : {}),
        },
      },
    };
  },
  "usergroups.users.list": (args, ws) => {
    const members = ws.usergroups.get(str(args.usergroup) ?? "");
    if (!members) throw new SlackApiError("no_such_subteam");
    return { users: [...members] };
  },
  "usergroups.list": (_args, ws) => ({
    usergroups: [...ws.usergroups.entries()].map(([id, users]) => ({
      id,
      team_id: ws.team.id,
      handle: id.toLowerCase(),
      name: id,
      user_count: users.length,
    })),
  }),
  "conversations.info": (args, ws) => {
    const c = ws.channels.get(str(args.channel) ?? "");
    if (!c) throw new SlackApiError("channel_not_found");
    const isDm = c.id.startsWith("D");
    return {
      channel: {
        id: c.id,
        name: c.name,
        is_channel: !isDm && !c.is_private,
        is_group: false,
        is_im: isDm,
        is_private: Boolean(c.is_private),
        is_member: true,
        is_archived: false,
        context_team_id: ws.team.id,
      },
    };
  },
  "conversations.open": (args, ws) => {
    const users = typeof args.users === "string" ? args.users.split(",") : [];
    if (users.length !== 1)
      throw new SlackApiError("invalid_arguments", ["one user is supported in the sandbox"]);
    return { channel: { id: ws.resolveChannel(users[0]) } };
  },
  "conversations.replies": (args, ws) => {
    const channel = ws.resolveChannel(args.channel);
    const ts = str(args.ts) ?? "";
    const parent = ws.timeline.message(channel, ts);
    if (!parent) throw new SlackApiError("thread_not_found");
    return {
      messages: [parent, ...ws.timeline.thread(channel, ts)].map((m) => ws.messageJson(m)),
      has_more: false,
    };
  },
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Form or JSON body plus query string, with JSON-string fields decoded as Slack does. */
function parseArgs(req: IncomingMessage, raw: string): Record<string, Json> {
  const url = new URL(req.url ?? "/", "http://x");
  const args: Record<string, Json> = Object.fromEntries(url.searchParams);
  const type = String(req.headers["content-type"] ?? "");
  if (raw) {
    if (type.includes("application/json")) {
      const parsed = JSON.parse(raw);
      if (typeof parsed === "object" && parsed !== null) Object.assign(args, parsed);
    } else {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
    }
  }
  for (const key of JSON_FIELDS) {
    if (typeof args[key] === "string" && /^\s*[[{]/.test(args[key])) {
      try {
        args[key] = JSON.parse(args[key]);
      } catch {
        throw new SlackApiError("invalid_arguments", [
          `[ERROR] ${key} is not valid JSON [json-pointer:/${key}]`,
        ]);
      }
    }
  }
  return args;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

export async function startSlackStandIn(opts: StandInOptions = {}): Promise<SlackStandIn> {
  const timeline = new Timeline();
  const ws = new Workspace(timeline, opts);
  const rateLimit: RateLimitConfig = { ...(opts.rateLimit ?? {}) };
  const callCounts = new Map<string, number>();
  const failures = new Map<string, { error: string; times: number }>();
  const random = seeded(opts.seed ?? 1);
  const accepted = opts.tokens ? new Set(opts.tokens) : undefined;
  const log = opts.log;
  let botScopes = opts.botScopes === undefined ? DEFAULT_BOT_SCOPES : opts.botScopes;

  const driverDefaults: DriverOptions = {
    ...(opts.botUrl ? { botUrl: opts.botUrl } : {}),
    ...(opts.signingSecret ? { signingSecret: opts.signingSecret } : {}),
  };
  const driver = new SlackDriver(ws, driverDefaults);
  const socketMode = new SocketModeHub(ws.bot.appId);

  /** Socket Mode's URL, handed out only for an app-level token, as Slack does. */
  const openConnection = (token: string): Record<string, Json> => {
    if (!token.startsWith("xapp-")) throw new SlackApiError("not_allowed_token_type");
    return { url: socketMode.issueUrl(ws.baseUrl) };
  };

  /** The error a failNext rule makes this call fail with, counting the call against it. */
  function takeFailure(method: string): string | undefined {
    const failure = failures.get(method);
    if (!failure) return undefined;
    failure.times -= 1;
    if (failure.times <= 0) failures.delete(method);
    return failure.error;
  }

  async function api(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const raw = await readBody(req);
    const at = ws.now();
    let args: Record<string, Json> = {};
    const answer = (
      status: number,
      body: Record<string, Json>,
      headers?: Record<string, string>,
    ): void => {
      const { token: _t, ...shown } = args;
      const call = { method, args: shown, ok: body.ok === true, status, at };
      const messages: string[] | undefined = body.response_metadata?.messages;
      timeline.calls.push(
        body.ok ? call : { ...call, error: String(body.error), ...(messages ? { messages } : {}) },
      );
      timeline.changed("api_call");
      log?.(`slack ${method} → ${body.ok ? "ok" : body.error}`);
      sendJson(res, status, body, headers);
    };
    try {
      args = parseArgs(req, raw);
    } catch (err) {
      answer(200, {
        ok: false,
        error: err instanceof SlackApiError ? err.code : "invalid_form_data",
      });
      return;
    }
    const handler: Handler | undefined =
      method === "apps.connections.open" ? () => openConnection(token ?? "") : METHODS[method];
    if (!handler) {
      answer(200, { ok: false, error: "unknown_method", req_method: method });
      return;
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
    const token = bearer ?? str(args.token);
    if (method !== "api.test") {
      if (!token) {
        answer(200, { ok: false, error: "not_authed" });
        return;
      }
      // A step's own token is accepted as Slack accepts it, while its run exists.
      if (accepted && !accepted.has(token) && !ws.isFunctionToken(token)) {
        answer(200, { ok: false, error: "invalid_auth" });
        return;
      }
    }
    const count = (callCounts.get(method) ?? 0) + 1;
    callCounts.set(method, count);
    const rule = rateLimit[method];
    if (rule) {
      const hit =
        (rule.every !== undefined && rule.every > 0 && count % rule.every === 0) ||
        (rule.fraction !== undefined && random() < rule.fraction);
      if (hit) {
        answer(
          429,
          { ok: false, error: "ratelimited" },
          { "retry-after": String(rule.retryAfter) },
        );
        return;
      }
    }
    const failure = takeFailure(method);
    if (failure) {
      answer(200, { ok: false, error: failure });
      return;
    }
    try {
      const scopes = botScopes ? { "x-oauth-scopes": botScopes.join(",") } : undefined;
      answer(200, { ok: true, ...handler(args, ws, token) }, scopes);
    } catch (err) {
      if (err instanceof SlackApiError) {
        const body: Record<string, Json> = { ok: false, error: err.code };
        if (err.messages.length) body.response_metadata = { messages: err.messages };
        answer(err.status, body);
      } else {
        log?.(`slack ${method} crashed: ${(err as Error).stack}`);
        answer(500, { ok: false, error: "internal_error" });
      }
    }
  }

  async function responseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const raw = await readBody(req);
    let body: Json;
    try {
      const type = String(req.headers["content-type"] ?? "");
      body = type.includes("application/json")
        ? JSON.parse(raw)
        : JSON.parse(new URLSearchParams(raw).get("payload") ?? raw);
    } catch {
      sendJson(res, 400, { ok: false, error: "invalid_payload" });
      return;
    }
    const failure = takeFailure("response_url");
    if (failure) {
      log?.(`slack response_url → ${failure}`);
      sendJson(res, 404, { ok: false, error: failure });
      return;
    }
    try {
      ws.respond(id, body);
      log?.("slack response_url → ok");
      sendJson(res, 200, { ok: true });
    } catch (err) {
      const e = err instanceof SlackApiError ? err : new SlackApiError("internal_error", [], 500);
      log?.(`slack response_url → ${e.code}`);
      const out: Record<string, Json> = { ok: false, error: e.code };
      if (e.messages.length) out.response_metadata = { messages: e.messages };
      sendJson(res, e.status, out);
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const done = (err: unknown): void => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: "internal_error", detail: String(err) });
      else res.end();
    };
    if (path.startsWith("/api/")) {
      api(req, res, decodeURIComponent(path.slice("/api/".length))).catch(done);
    } else if (path.startsWith("/response/") && req.method === "POST") {
      responseUrl(req, res, path.slice("/response/".length)).catch(done);
    } else {
      handleUi(req, res, path, {
        ws,
        driver,
        ...(opts.sandbox ? { hooks: opts.sandbox } : {}),
      }).catch(done);
    }
  });
  server.keepAliveTimeout = 1000;
  server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith(SOCKET_MODE_PATH)) socketMode.upgrade(req, socket, head);
    else socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== "0.0.0.0" ? opts.host : "127.0.0.1";
  const url = `http://${host}:${port}`;
  ws.baseUrl = url;

  return {
    url,
    apiUrl: `${url}/api/`,
    timeline,
    workspace: ws,
    driver,
    server,
    socketMode,
    rateLimit,
    setRateLimit(method, rule) {
      if (rule) rateLimit[method] = rule;
      else delete rateLimit[method];
      callCounts.delete(method);
    },
    setBotScopes(scopes) {
      botScopes = scopes;
    },
    failNext(method, error, times = 1) {
      failures.set(method, { error, times });
    },
    addUser(user) {
      ws.users.set(user.id, user);
    },
    addChannel(channel) {
      ws.channels.set(channel.id, channel);
    },
    setUsergroup(id, members) {
      ws.usergroups.set(id, [...members]);
    },
    createDriver(o = {}) {
      return new SlackDriver(ws, { ...driver.options, ...o });
    },
    close() {
      socketMode.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
