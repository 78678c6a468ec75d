/**
 * Every Slack call a job makes goes through here. It keeps each method (and each channel,
 * for posts) within Slack's published rate limits using shared token buckets, coalesces
 * edits to the same message so only the latest content is sent (read when the call's token
 * is in hand, so edits that queued behind the rate limit go out as one), and waits out a 429's
 * Retry-After for that method alone, so unrelated messages keep flowing.
 */
import type { KnownBlock } from "@slack/types";
import { ErrorCode, type WebAPIRateLimitedError, type WebClient } from "@slack/web-api";
import type { Logger } from "../../logger.js";
import type { RateLimiter } from "../../ratelimit.js";

export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** Rate per second and burst, from Slack's tiers (docs/slack/platform.md). */
const LIMITS = {
  "chat.postMessage": { rate: 1, burst: 3, perChannel: true },
  "chat.update": { rate: 50 / 60, burst: 5, perChannel: false },
  "chat.postEphemeral": { rate: 100 / 60, burst: 10, perChannel: false },
  "views.publish": { rate: 100 / 60, burst: 10, perChannel: false },
  "functions.completeSuccess": { rate: 50 / 60, burst: 5, perChannel: false },
  "functions.completeError": { rate: 50 / 60, burst: 5, perChannel: false },
} as const;
type Method = keyof typeof LIMITS;

export interface Notifier {
  post(
    channel: string,
    message: SlackMessage & { threadTs?: string },
  ): Promise<{ channel: string; ts: string }>;
  /** Resolves once this content, or newer content for the same message, is in Slack. */
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
  ephemeral(channel: string, user: string, message: SlackMessage): Promise<void>;
  publishHome(user: string, view: { type: "home"; blocks: KnownBlock[] }): Promise<void>;
  /** Ends a Workflow Builder step run (its function_execution_id) with outputs or an error. */
  endStep(
    executionId: string,
    end: { outputs: Record<string, unknown> } | { error: string },
  ): Promise<void>;
}

interface PendingEdit {
  latest?: SlackMessage;
  version: number;
  written: number;
  waiters: { version: number; resolve: () => void; reject: (e: unknown) => void }[];
  running: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SlackNotifier implements Notifier {
  private readonly edits = new Map<string, PendingEdit>();
  private readonly pausedUntil = new Map<Method, number>();

  /** `client` must be built with rejectRateLimitedCalls: true, so 429s come back to us. */
  constructor(
    private readonly client: WebClient,
    private readonly limiter: RateLimiter,
    private readonly log: Logger,
    private readonly maxAttempts = 8,
  ) {}

  async post(channel: string, message: SlackMessage & { threadTs?: string }) {
    const res = await this.call("chat.postMessage", channel, () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        thread_ts: message.threadTs,
      }),
    );
    return { channel: String(res.channel ?? channel), ts: String(res.ts) };
  }

  update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    const key = `${channel}:${ts}`;
    const edit = this.edits.get(key) ?? { version: 0, written: 0, waiters: [], running: false };
    this.edits.set(key, edit);
    edit.version += 1;
    edit.latest = message;
    const done = new Promise<void>((resolve, reject) => {
      edit.waiters.push({ version: edit.version, resolve, reject });
    });
    if (!edit.running) void this.drain(key, channel, ts, edit);
    return done;
  }

  async ephemeral(channel: string, user: string, message: SlackMessage) {
    await this.call("chat.postEphemeral", channel, () =>
      this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks }),
    );
  }

  async publishHome(user: string, view: { type: "home"; blocks: KnownBlock[] }) {
    await this.call("views.publish", user, () =>
      this.client.views.publish({ user_id: user, view }),
    );
  }

  async endStep(
    executionId: string,
    end: { outputs: Record<string, unknown> } | { error: string },
  ) {
    if ("outputs" in end) {
      await this.call("functions.completeSuccess", executionId, () =>
        this.client.functions.completeSuccess({
          function_execution_id: executionId,
          outputs: end.outputs,
        }),
      );
    } else {
      await this.call("functions.completeError", executionId, () =>
        this.client.functions.completeError({
          function_execution_id: executionId,
          error: end.error,
        }),
      );
    }
  }

  private async drain(key: string, channel: string, ts: string, edit: PendingEdit) {
    edit.running = true;
    while (edit.latest) {
      let message: SlackMessage | undefined;
      let version = 0;
      try {
        await this.call("chat.update", channel, () => {
          // The newest content is read once a token is in hand (and again on a 429 retry),
          // so edits that arrived while this one waited go out as one: the last.
          if (edit.latest) {
            message = edit.latest;
            version = edit.version;
            edit.latest = undefined;
          }
          const content = message as SlackMessage;
          return this.client.chat.update({
            channel,
            ts,
            text: content.text,
            blocks: content.blocks,
          });
        });
        edit.written = version;
        this.settle(
          edit,
          (w) => w.version <= version,
          (w) => w.resolve(),
        );
      } catch (err) {
        // Versions up to the one tried failed; with none tried (the wait itself failed), all
        // waiting so far did.
        const failedUpTo = version || edit.version;
        edit.latest = undefined;
        this.settle(
          edit,
          (w) => w.version <= failedUpTo,
          (w) => w.reject(err),
        );
      }
    }
    edit.running = false;
    if (edit.waiters.length === 0) this.edits.delete(key);
  }

  private settle(
    edit: PendingEdit,
    match: (w: PendingEdit["waiters"][number]) => boolean,
    act: (w: PendingEdit["waiters"][number]) => void,
  ) {
    const settled = edit.waiters.filter(match);
    edit.waiters = edit.waiters.filter((w) => !match(w));
    for (const w of settled) act(w);
  }

  private async call<T>(method: Method, channel: string, fn: () => Promise<T>): Promise<T> {
    const limit = LIMITS[method];
    const bucket = limit.perChannel ? `${method}:${channel}` : method;
    for (let attempt = 1; ; attempt++) {
      const paused = (this.pausedUntil.get(method) ?? 0) - Date.now();
      if (paused > 0) await sleep(paused);
      const wait = await this.limiter.take(bucket, limit.rate, limit.burst);
      if (wait > 0) await sleep(wait);
      try {
        return await fn();
      } catch (err) {
        const rateLimited = (err as { code?: string }).code === ErrorCode.RateLimitedError;
        if (!rateLimited || attempt >= this.maxAttempts) throw err;
        const retryAfter = (err as WebAPIRateLimitedError).retryAfter ?? 1;
        this.pausedUntil.set(method, Date.now() + retryAfter * 1000);
        this.log.warn(
          { method, retryAfter, attempt },
          "Slack rate-limited a call; waiting as asked",
        );
      }
    }
  }
}
