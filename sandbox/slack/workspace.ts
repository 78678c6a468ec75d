/**
 * The sandbox workspace's state and the rules Slack applies to it: who exists, which
 * trigger_ids and response_urls are live, how messages, ephemerals and modal stacks
 * change. The HTTP server (server.ts) and the driver (driver.ts) both act through it,
 * so what the bot's API calls do and what a person's clicks do stay consistent.
 */
import { randomBytes } from "node:crypto";
import {
  type BlockProblem,
  formatProblems,
  isObject,
  validateBlocks,
  validateView,
} from "./blocks.js";
import type {
  EphemeralRecord,
  FunctionRun,
  MessageRecord,
  Timeline,
  ViewRecord,
} from "./timeline.js";
import type { Block, Json, SandboxChannel, SandboxUser, SlackView } from "./types.js";

/** A Web API error, answered as `{ ok: false, error, response_metadata? }`. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
    readonly status = 200,
  ) {
    super(messages.length ? `${code}: ${messages.join("; ")}` : code);
  }
}

export const TRIGGER_TTL_MS = 3000;
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const MAX_VIEW_STACK = 3;

export interface WorkspaceOptions {
  teamId?: string;
  teamDomain?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  users?: SandboxUser[];
  channels?: SandboxChannel[];
  /** usergroup id → member user ids. */
  usergroups?: Record<string, string[]>;
  /** Reject posts to channels not listed (default: unknown channels are created on first use). */
  strictChannels?: boolean;
  /** Clock in ms, for tests of trigger and response_url expiry. */
  now?: () => number;
}

/**
 * One user per bot role, so each can be tried from the page's "as" menu. `role` is what the
 * sandbox grants them by default (PROFILES_ADMINS=U0ADMIN, PROFILES_OPERATORS=U0OPERATOR,
 * PROFILES_VIEWERS=U0VIEWER, sandbox/env.ts); the guest has none. U0AGENT is the second
 * person tests need (nobody grants it a role unless a test does).
 */
export const DEFAULT_USERS: SandboxUser[] = [
  {
    id: "U0ADMIN",
    name: "sandbox-admin",
    real_name: "Sandbox Admin",
    email: "admin@sandbox.example",
    is_admin: true,
    role: "admin",
  },
  {
    id: "U0OPERATOR",
    name: "sandbox-operator",
    real_name: "Sandbox Operator",
    email: "operator@sandbox.example",
    role: "operator",
  },
  {
    id: "U0VIEWER",
    name: "sandbox-viewer",
    real_name: "Sandbox Viewer",
    email: "viewer@sandbox.example",
    role: "viewer",
  },
  {
    id: "U0GUEST",
    name: "sandbox-guest",
    real_name: "Sandbox Guest",
    email: "guest@sandbox.example",
  },
  {
    id: "U0AGENT",
    name: "sandbox-agent",
    real_name: "Sandbox Agent",
    email: "agent@sandbox.example",
  },
];
export const DEFAULT_CHANNELS: SandboxChannel[] = [{ id: "C0OPS", name: "contact-centre-ops" }];

interface Trigger {
  user: string;
  issuedAt: number;
  used: boolean;
}

/** Where a response_url posts: the command's channel, or the message an action came from. */
export interface ResponseContext {
  id: string;
  user: string;
  channel: string;
  /** The message a block action came from, for replace_original / delete_original. */
  messageTs?: string;
  isEphemeral?: boolean;
  threadTs?: string;
  createdAt: number;
  uses: number;
}

export class Workspace {
  readonly team: { id: string; domain: string; name: string };
  readonly bot: { userId: string; botId: string; appId: string; name: string };
  readonly users = new Map<string, SandboxUser>();
  readonly channels = new Map<string, SandboxChannel>();
  readonly usergroups = new Map<string, string[]>();
  readonly strictChannels: boolean;
  readonly now: () => number;
  /** Base URL of the HTTP server, set once it listens (response_urls point at it). */
  baseUrl = "http://127.0.0.1";

  private readonly triggers = new Map<string, Trigger>();
  private readonly responseUrls = new Map<string, ResponseContext>();
  private lastTsMicros = 0;
  private counter = 0;

  constructor(
    readonly timeline: Timeline,
    opts: WorkspaceOptions = {},
  ) {
    this.team = {
      id: opts.teamId ?? "T0SANDBOX",
      domain: opts.teamDomain ?? "sandbox",
      name: opts.teamName ?? "Sandbox",
    };
    this.bot = {
      userId: opts.botUserId ?? "U0BOT",
      botId: opts.botId ?? "B0BOT",
      appId: opts.appId ?? "A0PROFILES",
      name: "profiles-bot",
    };
    for (const u of opts.users ?? DEFAULT_USERS) this.users.set(u.id, u);
    for (const c of opts.channels ?? DEFAULT_CHANNELS) this.channels.set(c.id, c);
    for (const [id, members] of Object.entries(opts.usergroups ?? {}))
      this.usergroups.set(id, members);
    this.strictChannels = opts.strictChannels ?? false;
    this.now = opts.now ?? Date.now;
  }

  // ---- ids ------------------------------------------------------------------------------

  /** Unique, increasing message ts in Slack's `seconds.micros` form. */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const s = Math.floor(micros / 1e6);
    return `${s}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString(36).toUpperCase().padStart(8, "0")}`;
  }

  // ---- triggers and response_urls -------------------------------------------------------

  issueTrigger(user: string): string {
    const id = `${this.counter + 1}.${this.team.id}.${randomBytes(8).toString("hex")}`;
    this.counter += 1;
    this.triggers.set(id, { user, issuedAt: this.now(), used: false });
    return id;
  }

  /** Take a trigger_id for views.open / views.push: known, unused and younger than 3 s. */
  consumeTrigger(id: unknown): string {
    if (typeof id !== "string" || id === "")
      throw new SlackApiError("invalid_arguments", ["trigger_id is required"]);
    const t = this.triggers.get(id);
    if (!t) throw new SlackApiError("invalid_trigger_id");
    if (t.used) throw new SlackApiError("expired_trigger_id", ["trigger_id was already used"]);
    const age = this.now() - t.issuedAt;
    if (age > TRIGGER_TTL_MS) {
      throw new SlackApiError("expired_trigger_id", [
        `trigger_id is ${age} ms old; it lives ${TRIGGER_TTL_MS} ms`,
      ]);
    }
    t.used = true;
    return t.user;
  }

  /** A Workflow Builder step starts: its execution id and the token that may complete it. */
  startFunction(callbackId: string, inputs: Json): FunctionRun {
    const run: FunctionRun = {
      executionId: this.nextId("Fx"),
      callbackId,
      inputs,
      token: `xwfp-${randomBytes(12).toString("hex")}`,
      state: "running",
      startedAt: this.now(),
    };
    this.timeline.functionRuns.set(run.executionId, run);
    this.timeline.changed("function_run");
    return run;
  }

  /** Whether a token was issued to a step run (the Web API accepts it as Slack does). */
  isFunctionToken(token: string): boolean {
    for (const run of this.timeline.functionRuns.values()) if (run.token === token) return true;
    return false;
  }

  /** functions.completeSuccess / completeError: ends a running step, once. */
  endFunction(args: Record<string, Json>, token: string | undefined, ok: boolean): void {
    const id = typeof args.function_execution_id === "string" ? args.function_execution_id : "";
    if (!id) throw new SlackApiError("invalid_arguments", ["function_execution_id is required"]);
    const run = this.timeline.functionRuns.get(id);
    if (!run) throw new SlackApiError("function_execution_not_found");
    if (run.state !== "running") throw new SlackApiError("execution_not_in_running_state");
    if (ok && (typeof args.outputs !== "object" || args.outputs === null)) {
      throw new SlackApiError("parameter_validation_failed", ["outputs must be an object"]);
    }
    if (!ok && (typeof args.error !== "string" || args.error === "")) {
      throw new SlackApiError("invalid_arguments", ["error is required"]);
    }
    run.state = ok ? "completed" : "failed";
    if (ok) run.outputs = args.outputs;
    else run.error = args.error as string;
    if (token) run.endedWith = token;
    run.endedAt = this.now();
    this.timeline.changed("function_run");
  }

  issueResponseUrl(ctx: Omit<ResponseContext, "id" | "createdAt" | "uses">): string {
    const id = `${this.team.id}/${this.nextId("R")}/${randomBytes(6).toString("hex")}`;
    this.responseUrls.set(id, { ...ctx, id, createdAt: this.now(), uses: 0 });
    return `${this.baseUrl}/response/${id}`;
  }

  // ---- people and places ----------------------------------------------------------------

  /** A channel id for a post: a user id becomes their DM with the bot. */
  resolveChannel(channel: unknown): string {
    if (typeof channel !== "string" || channel === "") throw new SlackApiError("channel_not_found");
    if (/^[UW]/.test(channel)) {
      const dm = `D${channel.slice(1)}`;
      if (!this.channels.has(dm))
        this.channels.set(dm, { id: dm, name: `dm-${channel}`, is_private: true });
      return dm;
    }
    if (!this.channels.has(channel)) {
      if (this.strictChannels) throw new SlackApiError("channel_not_found");
      this.channels.set(channel, { id: channel, name: channel.toLowerCase() });
    }
    return channel;
  }

  user(id: string): SandboxUser {
    return this.users.get(id) ?? { id, name: id.toLowerCase() };
  }

  // ---- messages -------------------------------------------------------------------------

  private checkMessageContent(args: Record<string, Json>): void {
    const hasText = typeof args.text === "string" && args.text.length > 0;
    const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
    const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
    if (!hasText && !hasBlocks && !hasAttachments) throw new SlackApiError("no_text");
    if (typeof args.text === "string" && args.text.length > 40000)
      throw new SlackApiError("msg_too_long");
    if (args.blocks !== undefined)
      throwIfInvalid(validateBlocks(args.blocks, "message"), "invalid_blocks");
  }

  postMessage(args: Record<string, Json>, via: MessageRecord["via"] = "api"): MessageRecord {
    const channel = this.resolveChannel(args.channel);
    this.checkMessageContent(args);
    let threadTs =
      typeof args.thread_ts === "string" && args.thread_ts ? args.thread_ts : undefined;
    if (threadTs) {
      // A reply to a reply lands in the parent's thread, as in Slack.
      const parent = this.timeline.message(channel, threadTs);
      if (parent?.thread_ts) threadTs = parent.thread_ts;
    }
    const ts = this.nextTs();
    const record: MessageRecord = {
      channel,
      ts,
      user: this.bot.userId,
      bot_id: this.bot.botId,
      text: typeof args.text === "string" ? args.text : "",
      blocks: args.blocks === undefined ? undefined : withIds(args.blocks),
      history: [],
      deleted: false,
      via,
      postedAt: this.now(),
    };
    if (threadTs) record.thread_ts = threadTs;
    if (args.attachments) record.attachments = args.attachments;
    if (args.metadata) record.metadata = args.metadata;
    const list = this.timeline.channels.get(channel) ?? [];
    list.push(record);
    this.timeline.channels.set(channel, list);
    this.timeline.changed("message");
    return record;
  }

  updateMessage(args: Record<string, Json>): MessageRecord {
    const channel = this.resolveChannel(args.channel);
    const m = this.timeline.message(channel, String(args.ts ?? ""));
    if (!m || m.deleted) throw new SlackApiError("message_not_found");
    if (m.user !== this.bot.userId) throw new SlackApiError("cant_update_message");
    if (args.blocks !== undefined)
      throwIfInvalid(validateBlocks(args.blocks, "message"), "invalid_blocks");
    m.history.push({ text: m.text, blocks: m.blocks, at: this.now() });
    if (typeof args.text === "string") m.text = args.text;
    if (args.blocks !== undefined) m.blocks = withIds(args.blocks);
    if (args.attachments !== undefined) m.attachments = args.attachments;
    this.timeline.changed("message_changed");
    return m;
  }

  deleteMessage(args: Record<string, Json>): MessageRecord {
    const channel = this.resolveChannel(args.channel);
    const m = this.timeline.message(channel, String(args.ts ?? ""));
    if (!m || m.deleted) throw new SlackApiError("message_not_found");
    m.deleted = true;
    this.timeline.changed("message_deleted");
    return m;
  }

  postEphemeral(args: Record<string, Json>, via: EphemeralRecord["via"] = "api"): EphemeralRecord {
    const channel = this.resolveChannel(args.channel);
    if (typeof args.user !== "string" || !args.user) throw new SlackApiError("user_not_found");
    this.checkMessageContent(args);
    const record: EphemeralRecord = {
      channel,
      user: args.user,
      ts: this.nextTs(),
      text: typeof args.text === "string" ? args.text : "",
      blocks: args.blocks === undefined ? undefined : withIds(args.blocks),
      history: [],
      deleted: false,
      via,
      postedAt: this.now(),
    };
    if (typeof args.thread_ts === "string" && args.thread_ts) record.thread_ts = args.thread_ts;
    this.timeline.ephemeralList.push(record);
    this.timeline.changed("ephemeral");
    return record;
  }

  /** The message object Slack puts in API answers and block_actions payloads. */
  messageJson(m: MessageRecord): Record<string, Json> {
    const out: Record<string, Json> = {
      type: "message",
      user: m.user,
      bot_id: m.bot_id,
      app_id: this.bot.appId,
      team: this.team.id,
      text: m.text,
      ts: m.ts,
    };
    if (m.blocks) out.blocks = m.blocks;
    if (m.attachments) out.attachments = m.attachments;
    if (m.metadata) out.metadata = m.metadata;
    if (m.thread_ts) out.thread_ts = m.thread_ts;
    const replies = this.timeline.thread(m.channel, m.ts);
    if (!m.thread_ts || m.thread_ts === m.ts) {
      if (replies.length) {
        out.thread_ts = m.ts;
        out.reply_count = replies.length;
      }
    }
    if (m.history.length) out.edited = { user: m.user, ts: m.ts };
    return out;
  }

  // ---- response_url ---------------------------------------------------------------------

  /** A POST to a response_url, with Slack's 5-use / 30-minute limits. */
  respond(id: string, body: Json): void {
    const ctx = this.responseUrls.get(id);
    const record = (ok: boolean, error?: string): void => {
      this.timeline.responseUrlPosts.push({
        id,
        body,
        at: this.now(),
        ok,
        ...(error ? { error } : {}),
      });
      this.timeline.changed("response_url");
    };
    try {
      if (!ctx) throw new SlackApiError("invalid_url", [], 404);
      if (this.now() - ctx.createdAt > RESPONSE_URL_TTL_MS)
        throw new SlackApiError("expired_url", [], 404);
      if (ctx.uses >= RESPONSE_URL_USES) throw new SlackApiError("used_url", [], 404);
      if (!isObject(body)) throw new SlackApiError("invalid_payload", [], 400);
      ctx.uses += 1;
      this.applyResponse(ctx, body);
      record(true);
    } catch (err) {
      const code = err instanceof SlackApiError ? err.code : "internal_error";
      record(false, code);
      throw err;
    }
  }

  private applyResponse(ctx: ResponseContext, body: Record<string, Json>): void {
    const truthy = (v: Json): boolean => v === true || v === "true";
    const args: Record<string, Json> = {
      channel: ctx.channel,
      text: body.text,
      blocks: body.blocks,
    };
    if (body.attachments) args.attachments = body.attachments;
    const threadTs = body.thread_ts ?? ctx.threadTs;
    if (threadTs) args.thread_ts = threadTs;

    if (truthy(body.delete_original)) {
      if (!ctx.messageTs) throw new SlackApiError("message_not_found", [], 404);
      if (ctx.isEphemeral) {
        const e = this.findEphemeral(ctx);
        if (e) e.deleted = true;
        this.timeline.changed("ephemeral_deleted");
      } else {
        this.deleteMessage({ channel: ctx.channel, ts: ctx.messageTs });
      }
      return;
    }
    if (truthy(body.replace_original) && ctx.messageTs) {
      if (ctx.isEphemeral) {
        const e = this.findEphemeral(ctx);
        if (!e) throw new SlackApiError("message_not_found", [], 404);
        this.checkMessageContent(args);
        e.history.push({ text: e.text, blocks: e.blocks, at: this.now() });
        e.text = typeof body.text === "string" ? body.text : "";
        e.blocks = body.blocks === undefined ? undefined : withIds(body.blocks);
        this.timeline.changed("ephemeral_changed");
      } else {
        // replace_original replaces the whole message: blocks left out are gone.
        this.updateMessage({
          channel: ctx.channel,
          ts: ctx.messageTs,
          text: body.text ?? "",
          blocks: body.blocks ?? [],
        });
      }
      return;
    }
    if (body.response_type === "in_channel") {
      this.postMessage(args, "response_url");
    } else {
      this.postEphemeral({ ...args, user: ctx.user }, "response_url");
    }
  }

  private findEphemeral(ctx: ResponseContext): EphemeralRecord | undefined {
    return this.timeline.ephemeralList.find((e) => e.ts === ctx.messageTs && e.user === ctx.user);
  }

  // ---- views ----------------------------------------------------------------------------

  private newHash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomBytes(6).toString("hex")}`;
  }

  /** The view Slack stores and returns, from what the bot sent. */
  private buildView(input: Record<string, Json>, base?: SlackView): SlackView {
    const blocks = withIds((input.blocks ?? []) as Block[]);
    const view: SlackView = {
      id: base?.id ?? this.nextId("V"),
      team_id: this.team.id,
      type: input.type,
      blocks,
      private_metadata: input.private_metadata ?? "",
      callback_id: input.callback_id ?? "",
      external_id: input.external_id ?? base?.external_id ?? "",
      state: { values: keepState(base, blocks) },
      hash: this.newHash(),
      clear_on_close: Boolean(input.clear_on_close),
      notify_on_close: Boolean(input.notify_on_close),
      root_view_id: base?.root_view_id ?? null,
      previous_view_id: base?.previous_view_id ?? null,
      app_id: this.bot.appId,
      app_installed_team_id: this.team.id,
      bot_id: this.bot.botId,
    };
    if (input.type === "modal") {
      view.title = input.title;
      view.submit = input.submit ?? null;
      view.close = input.close ?? null;
    }
    if (view.root_view_id === null) view.root_view_id = view.id;
    return view;
  }

  private checkView(view: Json, type?: "modal" | "home"): Record<string, Json> {
    if (!isObject(view)) throw new SlackApiError("invalid_arguments", ["view is required"]);
    if (type && view.type !== type) {
      throw new SlackApiError("invalid_arguments", [
        `[ERROR] view type must be ${type} [json-pointer:/view/type]`,
      ]);
    }
    // Slack answers views.* with invalid_arguments, pointing into the view with json-pointers.
    throwIfInvalid(validateView(view), "invalid_arguments");
    if (view.external_id && this.findByExternalId(view.external_id)) {
      throw new SlackApiError("duplicate_external_id");
    }
    return view;
  }

  private findByExternalId(externalId: string): ViewRecord | undefined {
    for (const stack of this.timeline.stacks.values()) {
      const r = stack.find((v) => v.view.external_id === externalId);
      if (r) return r;
    }
    for (const r of this.timeline.homes.values()) if (r.view.external_id === externalId) return r;
    return undefined;
  }

  private findOpen(viewId: string): ViewRecord | undefined {
    for (const stack of this.timeline.stacks.values()) {
      const r = stack.find((v) => v.view.id === viewId);
      if (r) return r;
    }
    for (const r of this.timeline.homes.values()) if (r.view.id === viewId) return r;
    return undefined;
  }

  openView(user: string, input: Json): SlackView {
    const body = this.checkView(input, "modal");
    for (const r of this.timeline.stacks.get(user) ?? []) this.markClosed(r, "replaced");
    const record = this.newRecord(user, this.buildView(body));
    this.timeline.stacks.set(user, [record]);
    this.timeline.changed("view_opened");
    return record.view;
  }

  pushView(user: string, input: Json): SlackView {
    const body = this.checkView(input, "modal");
    const stack = this.timeline.stacks.get(user) ?? [];
    if (stack.length >= MAX_VIEW_STACK) throw new SlackApiError("push_limit_reached");
    const view = this.buildView(body);
    const below = stack[stack.length - 1]?.view;
    if (below) {
      view.root_view_id = below.root_view_id ?? below.id;
      view.previous_view_id = below.id;
    }
    stack.push(this.newRecord(user, view));
    this.timeline.stacks.set(user, stack);
    this.timeline.changed("view_pushed");
    return view;
  }

  updateView(args: Record<string, Json>): SlackView {
    const input = args.view;
    if (!isObject(input)) throw new SlackApiError("invalid_arguments", ["view is required"]);
    let record: ViewRecord | undefined;
    if (typeof args.view_id === "string" && args.view_id) record = this.findOpen(args.view_id);
    else if (typeof args.external_id === "string" && args.external_id)
      record = this.findByExternalId(args.external_id);
    else throw new SlackApiError("invalid_arguments", ["view_id or external_id is required"]);
    if (!record) throw new SlackApiError("not_found");
    if (typeof args.hash === "string" && args.hash && args.hash !== record.view.hash) {
      throw new SlackApiError("hash_conflict");
    }
    const { external_id: _ignored, ...rest } = input;
    const checked = this.checkView(
      { ...rest, type: input.type ?? record.view.type },
      record.view.type,
    );
    if (input.external_id) checked.external_id = input.external_id;
    this.replaceView(record, checked);
    this.timeline.changed("view_updated");
    return record.view;
  }

  /** Replace a view's content in place (views.update, response_action: update). */
  replaceView(record: ViewRecord, input: Record<string, Json>): void {
    record.history.push(record.view);
    record.view = this.buildView(input, record.view);
    delete record.errors;
  }

  /** response_action: update, after validating the new view as views.update would. */
  updateTopFromResponse(user: string, input: Json): SlackView {
    const stack = this.timeline.stacks.get(user) ?? [];
    const top = stack[stack.length - 1];
    if (!top) throw new SlackApiError("not_found");
    const { external_id: _ignored, ...rest } = isObject(input) ? input : {};
    this.replaceView(top, this.checkView(rest, "modal"));
    this.timeline.changed("view_updated");
    return top.view;
  }

  publishHome(args: Record<string, Json>): SlackView {
    const user = args.user_id;
    if (typeof user !== "string" || !user)
      throw new SlackApiError("invalid_arguments", ["user_id is required"]);
    const existing = this.timeline.homes.get(user);
    if (
      existing &&
      typeof args.hash === "string" &&
      args.hash &&
      args.hash !== existing.view.hash
    ) {
      throw new SlackApiError("hash_conflict");
    }
    const input = isObject(args.view) ? args.view : undefined;
    if (!input) throw new SlackApiError("invalid_arguments", ["view is required"]);
    if (existing) {
      const { external_id: _ignored, ...rest } = input;
      this.replaceView(existing, this.checkView(rest, "home"));
    } else {
      const view = this.buildView(this.checkView(input, "home"));
      this.timeline.homes.set(user, { user, view, history: [], openedAt: this.now() });
    }
    this.timeline.changed("home_published");
    return (this.timeline.homes.get(user) as ViewRecord).view;
  }

  /** Take the top view off the user's stack (submission acknowledged, or Close). */
  popView(user: string, reason: ViewRecord["closedBy"]): ViewRecord | undefined {
    const stack = this.timeline.stacks.get(user) ?? [];
    const top = stack.pop();
    if (top) this.markClosed(top, reason);
    if (stack.length === 0) this.timeline.stacks.delete(user);
    this.timeline.changed("view_closed");
    return top;
  }

  clearViews(user: string, reason: ViewRecord["closedBy"] = "clear"): void {
    for (const r of this.timeline.stacks.get(user) ?? []) this.markClosed(r, reason);
    this.timeline.stacks.delete(user);
    this.timeline.changed("view_closed");
  }

  private newRecord(user: string, view: SlackView): ViewRecord {
    const record: ViewRecord = { user, view, history: [], openedAt: this.now() };
    this.timeline.allViews.push(record);
    return record;
  }

  private markClosed(r: ViewRecord, reason: ViewRecord["closedBy"]): void {
    r.closedAt = this.now();
    if (reason) r.closedBy = reason;
  }
}

function throwIfInvalid(problems: BlockProblem[], code: string): void {
  if (problems.length) throw new SlackApiError(code, formatProblems(problems));
}

/** State the person already entered survives a views.update for inputs still present. */
function keepState(
  base: SlackView | undefined,
  blocks: Block[],
): Record<string, Record<string, Json>> {
  if (!base) return {};
  const out: Record<string, Record<string, Json>> = {};
  for (const b of blocks) {
    const id = b.block_id;
    if (!id || !base.state.values[id]) continue;
    out[id] = base.state.values[id];
  }
  return out;
}

/**
 * A copy of the blocks with the block_id and action_id Slack fills in when the bot left
 * them out, so payloads built from them look like Slack's.
 */
export function withIds(blocks: Block[]): Block[] {
  const rid = (): string => randomBytes(3).toString("base64url");
  const copy = structuredClone(blocks) as Block[];
  for (const b of copy) {
    if (!isObject(b)) continue;
    if (b.block_id === undefined) b.block_id = rid();
    const elements: Json[] = [];
    if (Array.isArray(b.elements) && b.type === "actions") elements.push(...b.elements);
    if (isObject(b.accessory)) elements.push(b.accessory);
    if (isObject(b.element)) elements.push(b.element);
    for (const el of elements) {
      if (isObject(el) && el.action_id === undefined && el.type !== "image") el.action_id = rid();
    }
  }
  return copy;
}
