/**
 * Seeded random Slack-ish requests: random JSON values, random form fields, and real
 * payload shapes with fields replaced or removed. The same seed gives the same requests,
 * so a failure reproduces.
 */

import { seeded } from "../../../sandbox/seeded.js";
import { FORM, JSON_TYPE } from "./server.js";

const KEYS = [
  "type",
  "event",
  "command",
  "text",
  "user",
  "user_id",
  "team",
  "team_id",
  "enterprise",
  "enterprise_id",
  "channel",
  "channel_id",
  "actions",
  "action_id",
  "block_id",
  "view",
  "callback_id",
  "name",
  "state",
  "values",
  "private_metadata",
  "trigger_id",
  "response_url",
  "response_urls",
  "authorizations",
  "item",
  "subteam",
  "message",
  "container",
  "function_data",
  "is_enterprise_install",
  "payload",
  "challenge",
  "id",
  "value",
  "selected_option",
  "__proto__",
  "constructor",
];

const TYPES = [
  "block_actions",
  "block_suggestion",
  "view_submission",
  "view_closed",
  "shortcut",
  "message_action",
  "interactive_message",
  "dialog_submission",
  "workflow_step_edit",
  "event_callback",
  "url_verification",
  "app_rate_limited",
  "app_home_opened",
  "message",
  "reaction_added",
  "",
];

const WORDS = [
  "/profiles",
  "help",
  "status",
  "enable",
  "dlq",
  "audit",
  "alerts",
  "U0ADMIN",
  "T0SANDBOX",
  "C0OPS",
  "amazon-connect-acme",
  "ü☃𝄞",
  "\u0000",
  "' OR 1=1 --",
  "<script>",
  "%00",
  "a&b=c",
  "9".repeat(400),
];

export interface FuzzRequest {
  /** What kind of body this is, for the report. */
  shape: "json" | "payload" | "form" | "mutated" | "garbage";
  contentType: string;
  body: string;
}

export class Fuzzer {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seeded(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  string(): string {
    if (this.chance(0.6)) return this.pick(WORDS);
    if (this.chance(0.5)) return this.pick(TYPES);
    const length = this.int(24);
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.int(0x2fff));
    return s;
  }

  value(depth = 0): unknown {
    const scalar = depth > 3 || this.chance(0.45);
    if (scalar) {
      return this.pick([
        () => null,
        () => this.chance(0.5),
        () => this.int(2000) - 1000,
        () => this.random() * 1e300,
        () => this.string(),
      ])();
    }
    if (this.chance(0.3)) {
      return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    }
    const out: Record<string, unknown> = {};
    for (let i = this.int(6); i > 0; i--) {
      const key = this.chance(0.85) ? this.pick(KEYS) : this.string();
      // Assigning __proto__ would set the prototype; JSON carries it as a plain key.
      Object.defineProperty(out, key, {
        value: key === "type" && this.chance(0.7) ? this.pick(TYPES) : this.value(depth + 1),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return out;
  }

  /** A real payload shape, with up to three fields (anywhere in it) replaced or removed. */
  mutated(): unknown {
    const user = { id: "U0ADMIN", username: "admin", team_id: "T0SANDBOX" };
    const team = { id: "T0SANDBOX", domain: "sandbox" };
    const templates: (() => Record<string, unknown>)[] = [
      () => ({
        type: "block_actions",
        user,
        team,
        channel: { id: "C0OPS", name: "ops" },
        trigger_id: "1.2.3",
        container: { type: "message", channel_id: "C0OPS", message_ts: "1.1" },
        actions: [
          { type: "button", action_id: this.string(), block_id: "b", value: this.string() },
        ],
      }),
      () => ({
        type: "view_submission",
        user,
        team,
        trigger_id: "1.2.3",
        view: {
          id: "V0",
          callback_id: this.string(),
          private_metadata: this.string(),
          state: { values: { b: { a: { type: "plain_text_input", value: this.string() } } } },
        },
      }),
      () => ({ type: "view_closed", user, team, view: { id: "V0", callback_id: this.string() } }),
      () => ({
        type: "block_suggestion",
        user,
        team,
        action_id: this.string(),
        block_id: "b",
        value: this.string(),
        view: { id: "V0", callback_id: "x", private_metadata: "" },
      }),
      () => ({
        type: "event_callback",
        team_id: "T0SANDBOX",
        api_app_id: "A0",
        event_id: "Ev0",
        event: { type: "app_home_opened", user: "U0ADMIN", tab: "home", channel: "D0ADMIN" },
        authorizations: [{ team_id: "T0SANDBOX", user_id: "U0BOT", is_bot: true }],
      }),
    ];
    const body = this.pick(templates)();
    for (let i = this.int(4); i > 0; i--) this.mutate(body);
    return body;
  }

  private mutate(target: Record<string, unknown>): void {
    const keys = Object.keys(target);
    if (keys.length === 0) return;
    const key = this.pick(keys);
    const inner = target[key];
    if (inner && typeof inner === "object" && this.chance(0.5)) {
      const next = Array.isArray(inner) ? inner[0] : inner;
      if (next && typeof next === "object") {
        this.mutate(next as Record<string, unknown>);
        return;
      }
    }
    if (this.chance(0.3)) delete target[key];
    else target[key] = this.value(2);
  }

  private contentType(usual: string): string {
    if (this.chance(0.9)) return usual;
    return this.pick([FORM, JSON_TYPE, `${FORM}; charset=utf-8`, "text/plain", ""]);
  }

  request(): FuzzRequest {
    const roll = this.random();
    if (roll < 0.3) {
      return { shape: "json", contentType: this.contentType(JSON_TYPE), body: json(this.value()) };
    }
    if (roll < 0.55) {
      const payload = this.chance(0.5) ? json(this.value()) : json(this.mutated());
      return {
        shape: "payload",
        contentType: this.contentType(FORM),
        body: new URLSearchParams({ payload }).toString(),
      };
    }
    if (roll < 0.7) {
      const fields = new URLSearchParams();
      for (let i = this.int(8); i > 0; i--) fields.append(this.pick(KEYS), this.string());
      if (this.chance(0.5)) {
        fields.set("command", this.chance(0.8) ? "/profiles" : this.string());
        fields.set("user_id", "U0ADMIN");
        fields.set("team_id", "T0SANDBOX");
        fields.set("text", `${this.pick(WORDS)} ${this.string()}`);
      }
      return { shape: "form", contentType: this.contentType(FORM), body: fields.toString() };
    }
    if (roll < 0.93) {
      const body = this.mutated() as { type?: unknown };
      return body.type === "event_callback" && this.chance(0.7)
        ? { shape: "mutated", contentType: this.contentType(JSON_TYPE), body: json(body) }
        : {
            shape: "mutated",
            contentType: this.contentType(FORM),
            body: new URLSearchParams({ payload: json(body) }).toString(),
          };
    }
    const text = json(this.value());
    const cut = text.slice(0, this.int(text.length + 1));
    return {
      shape: "garbage",
      contentType: this.contentType(JSON_TYPE),
      body: cut + this.string(),
    };
  }
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}
