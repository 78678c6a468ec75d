/**
 * Shapes shared by the Slack stand-in, its timeline and the driver. Block Kit is kept
 * loose on purpose: the stand-in must accept what the bot sends and judge it, so a
 * block is "an object with a type" here and validation lives in blocks.ts.
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is validated at run time, not typed
export type Json = any;

export type Block = { type: string; block_id?: string; [key: string]: Json };

export interface TextObject {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

export interface OptionObject {
  text: TextObject;
  value: string;
  description?: TextObject;
}

/** A view as Slack returns it: what the bot sent, plus the fields Slack adds. */
export interface SlackView {
  id: string;
  team_id: string;
  type: "modal" | "home";
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, Record<string, Json>> };
  hash: string;
  title?: TextObject;
  submit?: TextObject | null;
  close?: TextObject | null;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string | null;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface SandboxUser {
  id: string;
  name: string;
  real_name?: string;
  email?: string;
  is_admin?: boolean;
  tz?: string;
  /** The bot's role for this user (e.g. "admin", "operator", "viewer"), shown in the page's "as" menu. */
  role?: string;
}

export interface SandboxChannel {
  id: string;
  name: string;
  is_private?: boolean;
}

export interface RateLimitRule {
  /** Answer 429 on every Nth call of the method (1 = every call). */
  every?: number;
  /** Answer 429 on this fraction of calls (0..1), drawn from a seeded generator. */
  fraction?: number;
  /** Seconds, sent in the Retry-After header. */
  retryAfter: number;
}

export type RateLimitConfig = Record<string, RateLimitRule>;

/** What "Make ingestion failures" made: how many messages, per failure class. */
export interface MadeFailures {
  sent: number;
  classes: Record<string, number>;
}

/**
 * A domain "Make ingestion failures" offers: what the page sends back to make failures in it
 * (`value`, e.g. the domain's account, region and name) and what it shows (`label`).
 */
export interface FailureDomain {
  value: string;
  label: string;
}

/**
 * Hooks the sandbox gives the stand-in so the page can reach the rest of the world.
 * Every hook is optional; the page hides a control whose hook is missing.
 */
export interface SandboxHooks {
  /** The domains the page offers in "Make ingestion failures". */
  domains?(): Promise<FailureDomain[]>;
  /**
   * Put a mix of failure classes into this domain's DLQ (answers POST /_sandbox/failures);
   * `domain` is one of the `domains()` values.
   */
  makeFailures?(domain: string): Promise<MadeFailures>;
  /** The bot's role per user id, when it can change at run time (overrides SandboxUser.role). */
  roles?(): Promise<Record<string, string>>;
}
