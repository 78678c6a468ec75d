/**
 * Everything the bot did in the sandbox Slack, in memory: messages and their edits,
 * thread replies, ephemerals, modal stacks, home tabs, response_url posts and every Web
 * API call. Tests read it through the helpers and wait on it with waitFor, which listens
 * for changes instead of polling.
 */
import { EventEmitter } from "node:events";
import { renderText } from "./blocks.js";
import type { Block, Json, SlackView } from "./types.js";

export interface MessageVersion {
  text: string;
  blocks: Block[] | undefined;
  at: number;
}

export interface MessageRecord {
  channel: string;
  ts: string;
  /** Parent's ts for a thread reply. */
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks: Block[] | undefined;
  attachments?: Json[];
  metadata?: Json;
  /** Earlier versions, oldest first; the current content is on the record itself. */
  history: MessageVersion[];
  deleted: boolean;
  via: Via;
  postedAt: number;
}

/** How a message reached Slack: a Web API call, a response_url, or a command's HTTP answer. */
export type Via = "api" | "response_url" | "command_response";

export interface EphemeralRecord {
  channel: string;
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: Block[] | undefined;
  history: MessageVersion[];
  deleted: boolean;
  via: Via;
  postedAt: number;
}

export interface ViewRecord {
  user: string;
  view: SlackView;
  /** Earlier versions of this view, oldest first. */
  history: SlackView[];
  openedAt: number;
  closedAt?: number;
  closedBy?: "user" | "submission" | "clear" | "replaced";
  /** The last `response_action: errors` Slack would show under the inputs. */
  errors?: Record<string, string>;
}

export interface ResponseUrlPost {
  id: string;
  body: Json;
  at: number;
  ok: boolean;
  error?: string;
}

export interface ApiCall {
  method: string;
  args: Record<string, Json>;
  ok: boolean;
  error?: string;
  /** Slack's response_metadata.messages, e.g. which Block Kit limit was broken. */
  messages?: string[];
  status: number;
  at: number;
}

/** One run of a Workflow Builder custom step: what the driver sent, and how the bot ended it. */
export interface FunctionRun {
  executionId: string;
  callbackId: string;
  inputs: Json;
  /** The step's own token (the event's bot_access_token), which completes it. */
  token: string;
  state: "running" | "completed" | "failed";
  outputs?: Json;
  error?: string;
  /** The token the completing call carried. */
  endedWith?: string;
  startedAt: number;
  endedAt?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Shown in the timeout error, e.g. "a reply in the thread". */
  description?: string;
}

export class Timeline extends EventEmitter {
  /** channel → messages in posting order (thread replies included). */
  readonly channels = new Map<string, MessageRecord[]>();
  readonly ephemeralList: EphemeralRecord[] = [];
  /** user → open modal stack, bottom first. */
  readonly stacks = new Map<string, ViewRecord[]>();
  /** Every modal ever opened, including closed ones. */
  readonly allViews: ViewRecord[] = [];
  readonly homes = new Map<string, ViewRecord>();
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  readonly calls: ApiCall[] = [];
  /** Workflow Builder step runs, by function_execution_id. */
  readonly functionRuns = new Map<string, FunctionRun>();
  /** Goes up on every change; the sandbox UI re-renders when it moves. */
  version = 0;

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  /** Tell waiters something changed. Every mutation of the timeline goes through here. */
  changed(kind: string): void {
    this.version += 1;
    this.emit("change", kind);
  }

  // ---- reading --------------------------------------------------------------------------

  /** Top-level messages of a channel (thread replies excluded), oldest first. */
  messages(channel: string, opts: { includeDeleted?: boolean } = {}): MessageRecord[] {
    return (this.channels.get(channel) ?? []).filter(
      (m) =>
        (m.thread_ts === undefined || m.thread_ts === m.ts) && (opts.includeDeleted || !m.deleted),
    );
  }

  /** Every message, replies included, in posting order. */
  allMessages(): MessageRecord[] {
    return [...this.channels.values()].flat().sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  message(channel: string, ts: string): MessageRecord | undefined {
    return this.channels.get(channel)?.find((m) => m.ts === ts);
  }

  /** Newest message matching the predicate, in any channel. */
  findMessage(predicate: (m: MessageRecord) => boolean): MessageRecord | undefined {
    return this.allMessages()
      .reverse()
      .find((m) => !m.deleted && predicate(m));
  }

  /** Replies to a parent message, oldest first. */
  thread(channel: string, ts: string): MessageRecord[] {
    return (this.channels.get(channel) ?? []).filter(
      (m) => m.thread_ts === ts && m.ts !== ts && !m.deleted,
    );
  }

  ephemerals(user: string, channel?: string): EphemeralRecord[] {
    return this.ephemeralList.filter(
      (e) => e.user === user && !e.deleted && (channel === undefined || e.channel === channel),
    );
  }

  /** The modal on top of the user's stack. */
  currentView(user: string): SlackView | undefined {
    const stack = this.stacks.get(user);
    return stack?.[stack.length - 1]?.view;
  }

  viewStack(user: string): SlackView[] {
    return (this.stacks.get(user) ?? []).map((r) => r.view);
  }

  viewRecord(viewId: string): ViewRecord | undefined {
    for (const r of this.allViews) if (r.view.id === viewId) return r;
    for (const r of this.homes.values()) if (r.view.id === viewId) return r;
    return undefined;
  }

  home(user: string): SlackView | undefined {
    return this.homes.get(user)?.view;
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // ---- waiting --------------------------------------------------------------------------

  /**
   * Resolves with the predicate's first truthy result, checked now and after every change.
   * Rejects after timeoutMs with the timeline described, so a failing test shows what the
   * bot did instead.
   */
  waitFor<T>(
    predicate: (t: Timeline) => T | undefined | null | false,
    opts: WaitOptions = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 2000;
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        let value: T | undefined | null | false;
        try {
          value = predicate(this);
        } catch (err) {
          finish();
          reject(err);
          return true;
        }
        if (value) {
          finish();
          resolve(value);
          return true;
        }
        return false;
      };
      const onChange = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        finish();
        const what = opts.description ? ` for ${opts.description}` : "";
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting${what}. Timeline:\n${this.describe()}`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.off("change", onChange);
      };
      this.on("change", onChange);
      check();
    });
  }

  /** Wait for a new top-level or thread message matching the predicate. */
  waitForMessage(
    predicate: (m: MessageRecord) => boolean,
    opts: WaitOptions = {},
  ): Promise<MessageRecord> {
    return this.waitFor((t) => t.findMessage(predicate), {
      description: "a matching message",
      ...opts,
    });
  }

  // ---- describing -----------------------------------------------------------------------

  /** The timeline as readable text: what a person would have seen, then the last API calls. */
  describe(): string {
    const lines: string[] = [];
    for (const [channel, list] of this.channels) {
      lines.push(`channel ${channel}:`);
      for (const m of list) {
        const reply = m.thread_ts && m.thread_ts !== m.ts ? `  ↳ (thread ${m.thread_ts}) ` : "  ";
        const flags = `${m.deleted ? " [deleted]" : ""}${m.history.length ? ` [edited ×${m.history.length}]` : ""}`;
        lines.push(`${reply}${m.ts}${flags}: ${indent(renderText(m.blocks, m.text))}`);
      }
    }
    for (const e of this.ephemeralList) {
      lines.push(
        `ephemeral to ${e.user} in ${e.channel}${e.deleted ? " [deleted]" : ""}: ${indent(renderText(e.blocks, e.text))}`,
      );
    }
    for (const [user, stack] of this.stacks) {
      stack.forEach((r, i) => {
        const v = r.view;
        const errors = r.errors ? ` errors=${JSON.stringify(r.errors)}` : "";
        lines.push(
          `modal ${i + 1}/${stack.length} for ${user} (${v.id}, callback_id=${v.callback_id || "-"}) "${v.title?.text ?? ""}"${errors}:`,
        );
        lines.push(`  ${indent(renderText(v.blocks))}`);
      });
    }
    for (const [user, r] of this.homes) {
      lines.push(`home of ${user}:`);
      lines.push(`  ${indent(renderText(r.view.blocks))}`);
    }
    for (const p of this.responseUrlPosts.slice(-10)) {
      lines.push(
        `response_url ${p.id}: ${p.ok ? "ok" : p.error} ${JSON.stringify(p.body).slice(0, 300)}`,
      );
    }
    const recent = this.calls.slice(-15);
    if (recent.length) lines.push("last API calls:");
    for (const c of recent) {
      lines.push(`  ${c.method} → ${c.ok ? "ok" : `${c.error} (HTTP ${c.status})`}`);
      for (const m of c.messages ?? []) lines.push(`      ${m}`);
    }
    return lines.length ? lines.join("\n") : "(empty: the bot has done nothing in Slack)";
  }

  /** Forget everything (between tests sharing one stand-in). */
  clear(): void {
    this.channels.clear();
    this.ephemeralList.length = 0;
    this.stacks.clear();
    this.allViews.length = 0;
    this.homes.clear();
    this.responseUrlPosts.length = 0;
    this.calls.length = 0;
    this.changed("clear");
  }
}

function indent(text: string): string {
  return text.replace(/\n/g, "\n    ");
}
