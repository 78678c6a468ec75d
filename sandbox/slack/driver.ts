/**
 * The driver plays Slack's side towards the bot: it sends slash commands, block actions,
 * view submissions, options requests and events to the bot's HTTP endpoint, signed as
 * Slack signs them (or, in Socket Mode, as envelopes on the bot's connection), with trigger_ids and response_urls the stand-in will honour. What
 * the bot answers in the HTTP response (view_submission's response_action, options) is
 * applied to the timeline the way Slack would apply it.
 */
import { createHmac, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { isObject, validateView } from "./blocks.js";
import type { EnvelopeType, SocketModeHub } from "./socket.js";
import type { EphemeralRecord, MessageRecord, ViewRecord } from "./timeline.js";
import type { Block, Json, OptionObject, SlackView } from "./types.js";
import { SlackApiError, type Workspace } from "./workspace.js";

export interface DriverOptions {
  /** The bot's Slack endpoint, e.g. http://127.0.0.1:3000/slack/events. */
  botUrl?: string;
  signingSecret?: string;
  /** Send over the bot's Socket Mode connection instead of to botUrl. */
  socketMode?: SocketModeHub;
  /** Who acts, and where, unless a call says otherwise. */
  user?: string;
  channel?: string;
  /** Gives up on the bot after this long (Slack itself gives up after 3 s). */
  timeoutMs?: number;
}

/** Per-call overrides; `timestamp` and `secret` exist to test stale and forged requests. */
export interface SendOptions {
  user?: string;
  channel?: string;
  /** Seconds since the epoch to sign with and send as X-Slack-Request-Timestamp. */
  timestamp?: number;
  /** Sign with this secret instead of the configured one. */
  secret?: string;
}

export interface DriverResponse {
  status: number;
  /** The bot's answer, parsed as JSON when it is JSON, else the raw text ("" for a bare ack). */
  body: Json;
  text: string;
  elapsedMs: number;
}

export interface CommandResponse extends DriverResponse {
  triggerId: string;
  responseUrl: string;
  /** Things Slack would have refused in the bot's immediate answer. */
  problems: string[];
}

export interface ActionResponse extends DriverResponse {
  triggerId: string;
  responseUrl?: string;
  /** Where the element was found. */
  surface: Surface;
}

export interface SubmitResponse extends DriverResponse {
  responseAction?: string;
  /** `response_action: errors`, as Slack shows them under the inputs. */
  errors?: Record<string, string>;
  /** Things Slack would have refused or shown as "We had some trouble connecting". */
  problems: string[];
  /** The user's top view after Slack applied the answer (undefined once the modal closed). */
  view: SlackView | undefined;
}

export interface OptionsResponse extends DriverResponse {
  options: OptionObject[];
  optionGroups?: { label: Json; options: OptionObject[] }[];
  problems: string[];
}

/**
 * What a person enters, per input: a string (text, or the value of the option to pick),
 * a string array (checkboxes, multi-selects), an option object (external selects), or
 * null to leave it empty.
 */
export type InputValue = string | string[] | OptionObject | OptionObject[] | null;
/** By block_id (or action_id); a block with several elements takes `{ [action_id]: value }`. */
export type Inputs = Record<string, InputValue | Record<string, InputValue>>;

export type Surface = "modal" | "message" | "ephemeral" | "home";

export interface ElementTarget extends SendOptions {
  /** Look only here; by default: the user's modal, their ephemerals, messages, their home. */
  in?: Surface;
  /** A particular message (or ephemeral) by channel and ts. */
  message?: { channel: string; ts: string };
  blockId?: string;
  /** Pick the button with this value when several share an action_id. */
  value?: string;
}

interface Located {
  surface: Surface;
  block: Block;
  element: Record<string, Json>;
  message?: MessageRecord;
  ephemeral?: EphemeralRecord;
  view?: ViewRecord;
}

/** Slack's client would not send the submission; `blockId` is the input it marks. */
export class SubmitRefused extends Error {
  constructor(
    message: string,
    readonly blockId: string,
    /** What Slack shows under the input. */
    readonly hint: string,
  ) {
    super(message);
  }
}

/** `v0=hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body))`, as Slack signs requests. */
export function signSlackRequest(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

function elementsOf(block: Block): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  if (block.type === "actions" && Array.isArray(block.elements))
    out.push(...block.elements.filter(isObject));
  if (isObject(block.accessory)) out.push(block.accessory);
  if (block.type === "input" && isObject(block.element)) out.push(block.element);
  return out;
}

function allOptions(el: Record<string, Json>): OptionObject[] {
  if (Array.isArray(el.option_groups))
    return el.option_groups.flatMap((g: Json) => g?.options ?? []);
  return Array.isArray(el.options) ? el.options : [];
}

function plain(text: string): Json {
  return { type: "plain_text", text, emoji: true };
}

export class SlackDriver {
  readonly options: DriverOptions;

  constructor(
    private readonly ws: Workspace,
    options: DriverOptions = {},
  ) {
    this.options = { ...options };
  }

  /** Point the driver at the bot (tests learn the bot's port after starting it). */
  configure(opts: DriverOptions): this {
    Object.assign(this.options, opts);
    return this;
  }

  get user(): string {
    return this.options.user ?? "U0ADMIN";
  }

  get channel(): string {
    return this.options.channel ?? "C0OPS";
  }

  // ---- sending --------------------------------------------------------------------------

  /** Send a body to the bot exactly as Slack would, signed (or mis-signed on request). */
  async send(body: string, contentType: string, opts: SendOptions = {}): Promise<DriverResponse> {
    if (this.options.socketMode) return this.sendOverSocket(this.options.socketMode, body);
    const url = this.options.botUrl;
    if (!url)
      throw new Error(
        "SlackDriver has no botUrl: call driver.configure({ botUrl, signingSecret })",
      );
    const secret = opts.secret ?? this.options.signingSecret;
    if (!secret)
      throw new Error("SlackDriver has no signingSecret: call driver.configure({ signingSecret })");
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const started = performance.now();
    const res = await this.post(url, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "x-slack-request-timestamp": String(timestamp),
        "x-slack-signature": signSlackRequest(secret, timestamp, body),
        "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const elapsedMs = Math.round(performance.now() - started);
    let parsed: Json = text;
    if (text && /json/.test(res.headers.get("content-type") ?? "")) parsed = JSON.parse(text);
    else if (/^\s*[{[]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, text, elapsedMs };
  }

  /**
   * The same request as an envelope: Socket Mode carries an event's JSON, an interaction's
   * `payload` and a command's form fields as the envelope's payload, unsigned (the
   * connection is authenticated), and the ack's payload stands for the HTTP answer's body.
   */
  private async sendOverSocket(hub: SocketModeHub, body: string): Promise<DriverResponse> {
    let type: EnvelopeType = "events_api";
    let payload: Json;
    if (body.startsWith("{")) payload = JSON.parse(body);
    else {
      const form = new URLSearchParams(body);
      const interaction = form.get("payload");
      type = interaction === null ? "slash_commands" : "interactive";
      payload = interaction === null ? Object.fromEntries(form) : JSON.parse(interaction);
    }
    const started = performance.now();
    const ack = await hub.deliver(type, payload, this.options.timeoutMs ?? 10_000);
    const elapsedMs = Math.round(performance.now() - started);
    const text = ack === undefined ? "" : JSON.stringify(ack);
    return { status: 200, body: ack ?? "", text, elapsedMs };
  }

  private async post(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `Could not reach the bot at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
  }

  private sendInteraction(
    payload: Record<string, Json>,
    opts: SendOptions,
  ): Promise<DriverResponse> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, "application/x-www-form-urlencoded", opts);
  }

  private userJson(user: string): Json {
    const u = this.ws.user(user);
    return { id: u.id, username: u.name, name: u.name, team_id: this.ws.team.id };
  }

  private teamJson(): Json {
    return { id: this.ws.team.id, domain: this.ws.team.domain };
  }

  private channelJson(id: string): Json {
    return { id, name: this.ws.channels.get(id)?.name ?? id };
  }

  // ---- slash commands -------------------------------------------------------------------

  /** `/profiles help` as typed by the user in the channel. */
  async slashCommand(command: string, text = "", opts: SendOptions = {}): Promise<CommandResponse> {
    const user = opts.user ?? this.user;
    const channel = opts.channel ?? this.channel;
    const triggerId = this.ws.issueTrigger(user);
    const responseUrl = this.ws.issueResponseUrl({ user, channel });
    const form = new URLSearchParams({
      token: "sandbox-verification-token",
      team_id: this.ws.team.id,
      team_domain: this.ws.team.domain,
      channel_id: channel,
      channel_name: this.ws.channels.get(channel)?.name ?? channel,
      user_id: user,
      user_name: this.ws.user(user).name,
      command,
      text,
      api_app_id: this.ws.bot.appId,
      is_enterprise_install: "false",
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const res = await this.send(form.toString(), "application/x-www-form-urlencoded", opts);
    const problems = this.showImmediateAnswer(res, user, channel);
    return { ...res, triggerId, responseUrl, problems };
  }

  /**
   * A slash command's HTTP answer with text or blocks is a message Slack shows at once:
   * in the channel for `response_type: in_channel`, else only to the user who typed it.
   */
  private showImmediateAnswer(res: DriverResponse, user: string, channel: string): string[] {
    if (res.status !== 200 || !isObject(res.body)) return [];
    const body = res.body;
    if (body.text === undefined && body.blocks === undefined) return [];
    const args: Record<string, Json> = { channel, text: body.text, blocks: body.blocks };
    if (body.attachments) args.attachments = body.attachments;
    try {
      if (body.response_type === "in_channel") this.ws.postMessage(args, "command_response");
      else this.ws.postEphemeral({ ...args, user }, "command_response");
      return [];
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      return [`Slack would not show the command's answer: ${err.message}`];
    }
  }

  /** A whole typed line: `/profiles enable acme` → command `/profiles`, text `enable acme`. */
  type(line: string, opts: SendOptions = {}): Promise<CommandResponse> {
    const trimmed = line.trim();
    const space = trimmed.indexOf(" ");
    const command = space < 0 ? trimmed : trimmed.slice(0, space);
    const text = space < 0 ? "" : trimmed.slice(space + 1).trim();
    return this.slashCommand(command, text, opts);
  }

  // ---- finding elements -----------------------------------------------------------------

  private locate(actionId: string, target: ElementTarget): Located {
    const found = this.find(actionId, target);
    if (found) return found;
    // A click on a message the bot edited after the page drew it (a digest edited by its next
    // scan): Slack's client sends the element as the person saw it, so the same block and
    // action in that message are clicked with the value the page showed (act() sends it).
    if (target.message && target.blockId && target.value !== undefined) {
      const edited = this.find(actionId, { ...target, value: undefined });
      if (edited?.element.type === "button") return edited;
    }
    const user = target.user ?? this.user;
    const where = target.message
      ? `message ${target.message.channel}/${target.message.ts}`
      : (target.in ?? "anywhere");
    const value = target.value !== undefined ? ` with value "${target.value}"` : "";
    throw new Error(
      `No element with action_id "${actionId}"${value} ${where} for ${user}. Timeline:\n${this.ws.timeline.describe()}`,
    );
  }

  private find(actionId: string, target: ElementTarget): Located | undefined {
    const user = target.user ?? this.user;
    const tl = this.ws.timeline;
    const candidates: Located[] = [];
    const scan = (blocks: Block[] | undefined, base: Omit<Located, "block" | "element">): void => {
      for (const block of blocks ?? []) {
        if (target.blockId && block.block_id !== target.blockId) continue;
        for (const element of elementsOf(block)) {
          if (element.action_id !== actionId) continue;
          if (
            target.value !== undefined &&
            element.type === "button" &&
            element.value !== target.value
          )
            continue;
          candidates.push({ ...base, block, element });
        }
      }
    };
    const want = (s: Surface): boolean => target.in === undefined || target.in === s;
    if (target.message) {
      const { channel, ts } = target.message;
      const m = tl.message(channel, ts);
      if (m) scan(m.blocks, { surface: "message", message: m });
      const e = tl.ephemeralList.find((x) => x.channel === channel && x.ts === ts && !x.deleted);
      if (e) scan(e.blocks, { surface: "ephemeral", ephemeral: e });
    } else {
      const stack = tl.stacks.get(user);
      const top = stack?.[stack.length - 1];
      if (top && want("modal")) scan(top.view.blocks, { surface: "modal", view: top });
      if (want("ephemeral")) {
        for (const e of [...tl.ephemerals(user)].reverse())
          scan(e.blocks, { surface: "ephemeral", ephemeral: e });
      }
      if (want("message")) {
        for (const m of tl.allMessages().reverse()) {
          if (!m.deleted) scan(m.blocks, { surface: "message", message: m });
        }
      }
      const home = tl.homes.get(user);
      if (home && want("home")) scan(home.view.blocks, { surface: "home", view: home });
    }
    return candidates[0];
  }

  /** The payload parts that say where an interaction happened. */
  private context(
    found: Located,
    user: string,
  ): { payload: Record<string, Json>; responseUrl?: string } {
    const payload: Record<string, Json> = {};
    if (found.surface === "modal" || found.surface === "home") {
      const view = found.view as ViewRecord;
      payload.container = { type: "view", view_id: view.view.id };
      payload.view = view.view;
      payload.state = view.view.state;
      return { payload };
    }
    if (found.surface === "message") {
      const m = found.message as MessageRecord;
      payload.container = {
        type: "message",
        message_ts: m.ts,
        channel_id: m.channel,
        is_ephemeral: false,
        ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      };
      payload.channel = this.channelJson(m.channel);
      payload.message = this.ws.messageJson(m);
      payload.state = { values: {} };
      const responseUrl = this.ws.issueResponseUrl({
        user,
        channel: m.channel,
        messageTs: m.ts,
        ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
      });
      payload.response_url = responseUrl;
      return { payload, responseUrl };
    }
    const e = found.ephemeral as EphemeralRecord;
    payload.container = {
      type: "message",
      message_ts: e.ts,
      channel_id: e.channel,
      is_ephemeral: true,
    };
    payload.channel = this.channelJson(e.channel);
    payload.state = { values: {} };
    const responseUrl = this.ws.issueResponseUrl({
      user,
      channel: e.channel,
      messageTs: e.ts,
      isEphemeral: true,
    });
    payload.response_url = responseUrl;
    return { payload, responseUrl };
  }

  // ---- block_actions --------------------------------------------------------------------

  /** Click a button, found by action_id (and value or blockId when several match). */
  clickButton(actionId: string, target: ElementTarget = {}): Promise<ActionResponse> {
    return this.act(actionId, undefined, target);
  }

  /**
   * Choose in a select, radio group, checkboxes or overflow (by option value; an array
   * for multi-selects and checkboxes), or type into a dispatching text input.
   */
  select(actionId: string, value: InputValue, target: ElementTarget = {}): Promise<ActionResponse> {
    return this.act(actionId, value, target);
  }

  private async act(
    actionId: string,
    value: InputValue | undefined,
    target: ElementTarget,
  ): Promise<ActionResponse> {
    const user = target.user ?? this.user;
    const found = this.locate(actionId, target);
    const el = found.element;
    const action: Record<string, Json> = {
      type: el.type,
      action_id: actionId,
      block_id: found.block.block_id,
      action_ts: this.ws.nextTs(),
    };
    if (el.type === "button") {
      action.text = el.text;
      // The value the person clicked: the element's own, or what the page showed before an edit.
      const clicked = target.value ?? el.value;
      if (clicked !== undefined) action.value = clicked;
      if (el.style) action.style = el.style;
    } else {
      Object.assign(action, stateFor(el, value ?? null, `${found.block.block_id}/${actionId}`));
      // A person's choice in a modal or home tab is part of that view's state from now on.
      if (found.view) {
        const values = found.view.view.state.values;
        values[found.block.block_id as string] = {
          ...(values[found.block.block_id as string] ?? {}),
          [actionId]: stateFor(el, value ?? null, actionId),
        };
        this.ws.timeline.changed("view_state");
      }
    }
    const triggerId = this.ws.issueTrigger(user);
    const { payload, responseUrl } = this.context(found, user);
    const full = {
      type: "block_actions",
      user: this.userJson(user),
      api_app_id: this.ws.bot.appId,
      token: "sandbox-verification-token",
      trigger_id: triggerId,
      team: this.teamJson(),
      enterprise: null,
      is_enterprise_install: false,
      ...payload,
      actions: [action],
    };
    const res = await this.sendInteraction(full, target);
    return { ...res, triggerId, surface: found.surface, ...(responseUrl ? { responseUrl } : {}) };
  }

  // ---- options (external selects) -------------------------------------------------------

  /** What the bot offers in an external select for what the user typed. */
  async requestOptions(
    actionId: string,
    query = "",
    target: ElementTarget = {},
  ): Promise<OptionsResponse> {
    const user = target.user ?? this.user;
    const found = this.locate(actionId, target);
    const { payload } = this.context(found, user);
    delete payload.response_url;
    delete payload.state;
    const full = {
      type: "block_suggestion",
      user: this.userJson(user),
      api_app_id: this.ws.bot.appId,
      token: "sandbox-verification-token",
      team: this.teamJson(),
      enterprise: null,
      is_enterprise_install: false,
      action_id: actionId,
      block_id: found.block.block_id,
      value: query,
      ...payload,
    };
    const res = await this.sendInteraction(full, target);
    const problems: string[] = [];
    let options: OptionObject[] = [];
    let optionGroups: OptionsResponse["optionGroups"];
    if (isObject(res.body) && Array.isArray(res.body.options)) options = res.body.options;
    else if (isObject(res.body) && Array.isArray(res.body.option_groups)) {
      optionGroups = res.body.option_groups;
      options = res.body.option_groups.flatMap((g: Json) => g?.options ?? []);
    } else
      problems.push(
        `the bot answered without options (HTTP ${res.status}): ${res.text.slice(0, 200)}`,
      );
    if (options.length > 100) problems.push(`${options.length} options; Slack shows at most 100`);
    options.forEach((o, i) => {
      const t = o?.text?.text;
      if (typeof t !== "string" || t.length === 0 || t.length > 75)
        problems.push(`option ${i} text must be 1–75 characters`);
      if (typeof o?.value !== "string" || o.value.length === 0 || o.value.length > 75) {
        problems.push(`option ${i} value must be 1–75 characters`);
      }
    });
    if (res.elapsedMs > 3000)
      problems.push(`the bot took ${res.elapsedMs} ms; Slack waits 3000 ms`);
    return { ...res, options, ...(optionGroups ? { optionGroups } : {}), problems };
  }

  // ---- modals ---------------------------------------------------------------------------

  /** The user's top modal, or an error that shows the timeline. */
  private top(user: string): ViewRecord {
    const stack = this.ws.timeline.stacks.get(user);
    const top = stack?.[stack.length - 1];
    if (!top)
      throw new Error(`${user} has no open modal. Timeline:\n${this.ws.timeline.describe()}`);
    return top;
  }

  /**
   * Press Submit on the user's top modal with these inputs; untouched inputs keep their
   * state or initial values. Throws, like Slack's client refuses, when a required input is
   * empty. Applies the bot's response_action to the modal stack.
   */
  async submitView(inputs: Inputs = {}, opts: SendOptions = {}): Promise<SubmitResponse> {
    const user = opts.user ?? this.user;
    const record = this.top(user);
    const view = record.view;
    if (!view.submit) throw new Error(`modal ${view.id} has no Submit button`);
    const entered = buildState(view, inputs, false);
    view.state = { values: buildState(view, inputs) };
    this.ws.timeline.changed("view_state");
    const triggerId = this.ws.issueTrigger(user);
    const payload = {
      type: "view_submission",
      team: this.teamJson(),
      user: this.userJson(user),
      api_app_id: this.ws.bot.appId,
      token: "sandbox-verification-token",
      trigger_id: triggerId,
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const res = await this.sendInteraction(payload, opts);
    // The submission carried every input's value; what the modal keeps is what the person
    // entered, so an updated view shows its own initial values where nothing was typed.
    view.state = { values: entered };
    const problems: string[] = [];
    const out = (extra: Partial<SubmitResponse> = {}): SubmitResponse => ({
      ...res,
      problems,
      view: this.ws.timeline.currentView(user),
      ...extra,
    });
    if (res.status !== 200) {
      problems.push(
        `the bot answered HTTP ${res.status}; Slack shows "We had some trouble connecting"`,
      );
      return out();
    }
    if (res.elapsedMs > 3000) {
      problems.push(`the bot took ${res.elapsedMs} ms; Slack gives up after 3000 ms`);
      return out();
    }
    if (res.text.trim() === "") {
      this.ws.popView(user, "submission");
      return out();
    }
    const body = res.body;
    const action = isObject(body) ? body.response_action : undefined;
    try {
      switch (action) {
        case "errors": {
          const errors: Record<string, string> = isObject(body.errors) ? body.errors : {};
          const inputIds = new Set(
            view.blocks.filter((b) => b.type === "input").map((b) => b.block_id),
          );
          for (const key of Object.keys(errors)) {
            if (!inputIds.has(key))
              problems.push(`errors names "${key}", which is not an input block of the view`);
          }
          if (Object.keys(errors).length === 0)
            problems.push("response_action errors without errors");
          if (!problems.length) {
            record.errors = errors;
            this.ws.timeline.changed("view_errors");
          }
          return out({ responseAction: action, errors });
        }
        case "update":
          this.ws.updateTopFromResponse(user, body.view);
          return out({ responseAction: action });
        case "push":
          this.ws.pushView(user, body.view);
          return out({ responseAction: action });
        case "clear":
          this.ws.clearViews(user, "clear");
          return out({ responseAction: action });
        default:
          problems.push(`unexpected answer to view_submission: ${res.text.slice(0, 200)}`);
          return out(action ? { responseAction: String(action) } : {});
      }
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      problems.push(`Slack refused response_action ${action}: ${err.message}`);
      return out({ responseAction: String(action) });
    }
  }

  /** Press Close (or ✕). Sends view_closed only when the view asked for notify_on_close. */
  async closeView(opts: SendOptions = {}): Promise<DriverResponse & { sent: boolean }> {
    const user = opts.user ?? this.user;
    const record = this.top(user);
    const view = record.view;
    const stackSize = this.ws.timeline.stacks.get(user)?.length ?? 0;
    const clears = view.clear_on_close;
    if (clears) this.ws.clearViews(user, "user");
    else this.ws.popView(user, "user");
    if (!view.notify_on_close) return { status: 0, body: "", text: "", elapsedMs: 0, sent: false };
    const payload = {
      type: "view_closed",
      team: this.teamJson(),
      user: this.userJson(user),
      api_app_id: this.ws.bot.appId,
      token: "sandbox-verification-token",
      view,
      is_cleared: clears && stackSize > 1,
      is_enterprise_install: false,
      enterprise: null,
    };
    return { ...(await this.sendInteraction(payload, opts)), sent: true };
  }

  /**
   * Type into inputs of the open modal without submitting (what the UI does as you type).
   * Only what was entered joins the view's state; untouched inputs keep their initial value.
   */
  fillView(inputs: Inputs, opts: SendOptions = {}): SlackView {
    const record = this.top(opts.user ?? this.user);
    record.view.state = { values: buildState(record.view, inputs, false) };
    this.ws.timeline.changed("view_state");
    return record.view;
  }

  // ---- events ---------------------------------------------------------------------------

  /** An Events API callback with `event` inside Slack's envelope. */
  sendEvent(event: Record<string, Json>, opts: SendOptions = {}): Promise<DriverResponse> {
    const now = Math.floor(Date.now() / 1000);
    const envelope = {
      token: "sandbox-verification-token",
      team_id: this.ws.team.id,
      context_team_id: this.ws.team.id,
      api_app_id: this.ws.bot.appId,
      event: { event_ts: this.ws.nextTs(), ...event },
      type: "event_callback",
      event_id: `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
      event_time: now,
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.ws.team.id,
          user_id: this.ws.bot.userId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
    return this.send(JSON.stringify(envelope), "application/json", opts);
  }

  /**
   * A Workflow Builder step of the bot's runs: the `function_executed` event, with the step's
   * inputs and its own token, as Slack sends it. The run is recorded in timeline.functionRuns,
   * where the bot's functions.completeSuccess / completeError end it.
   */
  async runFunction(
    callbackId: string,
    inputs: Record<string, Json>,
    opts: SendOptions = {},
  ): Promise<DriverResponse & { executionId: string }> {
    const run = this.ws.startFunction(callbackId, inputs);
    const response = await this.sendEvent(
      {
        type: "function_executed",
        function: {
          id: `Fn${callbackId
            .replace(/[^a-zA-Z0-9]/g, "")
            .slice(0, 12)
            .toUpperCase()}`,
          callback_id: callbackId,
          title: callbackId,
          type: "app",
          input_parameters: [],
          output_parameters: [],
          app_id: this.ws.bot.appId,
          date_created: 0,
          date_updated: 0,
          date_deleted: 0,
        },
        inputs,
        function_execution_id: run.executionId,
        workflow_execution_id: `Wx${run.executionId.slice(2)}`,
        bot_access_token: run.token,
      },
      opts,
    );
    return { ...response, executionId: run.executionId };
  }

  /** The user opens the app's Home tab. */
  openAppHome(opts: SendOptions = {}): Promise<DriverResponse> {
    const user = opts.user ?? this.user;
    const home = this.ws.timeline.home(user);
    return this.sendEvent(
      {
        type: "app_home_opened",
        user,
        channel: `D${user.slice(1)}`,
        tab: "home",
        ...(home ? { view: home } : {}),
      },
      opts,
    );
  }
}

// ---- view state -------------------------------------------------------------------------

/** Options a test names by value (or by visible text) resolved to the element's option objects. */
function pickOptions(
  el: Record<string, Json>,
  wanted: (string | OptionObject)[],
  where: string,
): OptionObject[] {
  const opts = allOptions(el);
  return wanted.map((w) => {
    if (isObject(w)) return w as OptionObject;
    const hit = opts.find((o) => o.value === w) ?? opts.find((o) => o.text?.text === w);
    if (!hit) {
      const known = opts.map((o) => o.value).join(", ");
      throw new Error(`${where}: no option "${w}" (options: ${known || "none"})`);
    }
    return hit;
  });
}

function asOption(v: string | OptionObject): OptionObject {
  return typeof v === "string" ? { text: plain(v), value: v } : v;
}

/** The state entry Slack records for an element given what the person entered. */
export function stateFor(
  el: Record<string, Json>,
  value: InputValue,
  where: string,
): Record<string, Json> {
  const type = el.type as string;
  const list = value === null ? [] : Array.isArray(value) ? value : [value];
  switch (type) {
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      if (value !== null && typeof value !== "string")
        throw new Error(`${where}: ${type} takes a string`);
      return { type, value: value === "" ? null : value };
    case "static_select":
    case "radio_buttons":
    case "overflow":
      return {
        type,
        selected_option: list.length ? (pickOptions(el, list.slice(0, 1), where)[0] ?? null) : null,
      };
    case "external_select":
      return {
        type,
        selected_option: list.length ? asOption(list[0] as string | OptionObject) : null,
      };
    case "multi_static_select":
    case "checkboxes":
      return { type, selected_options: pickOptions(el, list, where) };
    case "multi_external_select":
      return { type, selected_options: list.map((v) => asOption(v as string | OptionObject)) };
    case "datepicker":
      return { type, selected_date: value };
    case "timepicker":
      return { type, selected_time: value };
    case "users_select":
      return { type, selected_user: value };
    case "multi_users_select":
      return { type, selected_users: list };
    case "conversations_select":
      return { type, selected_conversation: value };
    case "channels_select":
      return { type, selected_channel: value };
    default:
      return { type, value };
  }
}

/** What an element holds before anyone touches it. */
function initialState(el: Record<string, Json>): Record<string, Json> {
  const type = el.type as string;
  if (el.initial_option) return { type, selected_option: el.initial_option };
  if (el.initial_options) return { type, selected_options: el.initial_options };
  if (type === "checkboxes" || type.startsWith("multi_")) return { type, selected_options: [] };
  if (type.endsWith("select") || type === "radio_buttons") return { type, selected_option: null };
  if (type === "datepicker") return { type, selected_date: el.initial_date ?? null };
  return { type, value: el.initial_value ?? null };
}

function isEmpty(state: Record<string, Json>): boolean {
  const v =
    state.value ??
    state.selected_option ??
    state.selected_date ??
    state.selected_user ??
    state.selected_conversation ??
    state.selected_channel;
  if (Array.isArray(state.selected_options)) return state.selected_options.length === 0;
  if (Array.isArray(state.selected_users)) return state.selected_users.length === 0;
  return v === null || v === undefined || v === "";
}

/**
 * The view's state.values after a person entered `inputs`. With `forSubmit`, every input
 * has a value (its initial one when untouched, as Slack submits it) and Slack's
 * client-side checks apply (required inputs, min/max length); without, only what was
 * entered so far.
 */
export function buildState(
  view: SlackView,
  inputs: Inputs,
  forSubmit = true,
): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = structuredClone(view.state.values);
  const known = new Set<string>();
  for (const block of view.blocks) {
    for (const el of elementsOf(block)) {
      known.add(block.block_id as string);
      if (el.action_id) known.add(el.action_id);
    }
  }
  const unknown = Object.keys(inputs).filter((k) => !known.has(k));
  if (unknown.length) {
    const ids = view.blocks.filter((b) => elementsOf(b).length).map((b) => b.block_id);
    throw new Error(
      `no input ${unknown.map((k) => `"${k}"`).join(", ")} in view ${view.id} (blocks: ${ids.join(", ")})`,
    );
  }
  for (const block of view.blocks) {
    const blockId = block.block_id as string;
    for (const el of elementsOf(block)) {
      const actionId = el.action_id as string;
      if (!actionId) continue;
      const where = `${blockId}/${actionId}`;
      let given: InputValue | undefined;
      const byBlock = inputs[blockId];
      if (byBlock !== undefined) {
        if (
          isObject(byBlock) &&
          actionId in byBlock &&
          !("text" in byBlock && "value" in byBlock)
        ) {
          given = (byBlock as Record<string, InputValue>)[actionId];
        } else given = byBlock as InputValue;
      } else if (inputs[actionId] !== undefined) {
        given = inputs[actionId] as InputValue;
      }
      const kept = values[blockId]?.[actionId];
      // An entry left by an earlier view whose element had another type is not this one's.
      const own = kept && kept.type === el.type ? kept : undefined;
      if (kept && !own) delete values[blockId]?.[actionId];
      const entry =
        given !== undefined
          ? stateFor(el, given, where)
          : (own ?? (forSubmit && block.type === "input" ? initialState(el) : undefined));
      if (!entry) continue;
      values[blockId] = { ...(values[blockId] ?? {}), [actionId]: entry };
      if (!forSubmit || block.type !== "input") continue;
      if (!block.optional && isEmpty(entry)) {
        throw new SubmitRefused(
          `Slack would not submit: required input "${where}" is empty`,
          blockId,
          "Please complete this required field.",
        );
      }
      if (typeof entry.value === "string") {
        if (typeof el.max_length === "number" && entry.value.length > el.max_length) {
          throw new SubmitRefused(
            `Slack would not submit: "${where}" is longer than ${el.max_length} characters`,
            blockId,
            `Please enter at most ${el.max_length} characters.`,
          );
        }
        if (typeof el.min_length === "number" && entry.value.length < el.min_length) {
          throw new SubmitRefused(
            `Slack would not submit: "${where}" is shorter than ${el.min_length} characters`,
            blockId,
            `Please enter at least ${el.min_length} characters.`,
          );
        }
      }
    }
  }
  return values;
}

/** Problems Slack would find with a view the bot wants to show (for the UI and tests). */
export function viewProblems(view: unknown): string[] {
  return validateView(view).map((p) => `${p.message} at ${p.pointer}`);
}
