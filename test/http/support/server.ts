/**
 * Our HTTP server on port 0, with either a fake Slack listener that counts what reaches it
 * or a real Bolt app (HTTPReceiver and App, authorised without calling Slack), and helpers
 * to send it requests signed as Slack signs them.
 */
import { type RequestListener, request } from "node:http";
import { App, HTTPReceiver } from "@slack/bolt";
import { signSlackRequest } from "../../../sandbox/slack/driver.js";
import { MemorySeenSignatures, type SeenSignatures } from "../../../src/http/seen.js";
import {
  type RunningHttpServer,
  SLACK_EVENTS_PATH,
  startHttpServer,
} from "../../../src/http/server.js";
import { boltLogger, createLogger, type Logger } from "../../../src/logger.js";
import { receiverOptions } from "../../../src/slack/app.js";

export const SECRET = "test-signing-secret";
export const FORM = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

export const now = () => Math.floor(Date.now() / 1000);

export interface TestServer {
  http: RunningHttpServer;
  events: string;
  /** Requests that reached the Slack listener. */
  calls: number;
  close(): Promise<void>;
}

export interface TestServerOptions {
  replays?: SeenSignatures;
  healthy?: () => Promise<boolean>;
  log?: Logger;
}

/** Our server in front of `listener`, counting the requests that reach it. */
async function serve(opts: TestServerOptions, listener: RequestListener): Promise<TestServer> {
  let calls = 0;
  const http = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    log: opts.log ?? createLogger("silent"),
    healthy: opts.healthy ?? (async () => true),
    slack: {
      signingSecret: SECRET,
      replays: opts.replays ?? new MemorySeenSignatures(),
      listener: (req, res) => {
        calls += 1;
        listener(req, res);
      },
    },
  });
  return {
    http,
    events: `${http.url}${SLACK_EVENTS_PATH}`,
    get calls() {
      return calls;
    },
    close: () => http.close(),
  };
}

/** A fake listener in Bolt's place: answers with the body it got. */
export function startFakeServer(opts: TestServerOptions = {}): Promise<TestServer> {
  return serve(opts, (req, res) => {
    const raw = (req as { rawBody?: Buffer }).rawBody;
    res.writeHead(200, { "content-type": "text/plain" }).end(raw ?? "");
  });
}

export interface BoltServer extends TestServer {
  app: App;
  /** Listener calls by name ("command", "action", "view", "options", "event"). */
  seen: Record<string, number>;
}

/**
 * The real Bolt app behind our server, its receiver as the bot builds it, with one listener
 * of each kind.
 */
export async function startBoltServer(opts: TestServerOptions = {}): Promise<BoltServer> {
  const log = opts.log ?? createLogger("silent");
  // As the bot mounts it: our server's check is the only one (docs/adr/0016).
  const receiver = new HTTPReceiver(receiverOptions(SECRET, boltLogger(log)));
  const app = new App({
    receiver,
    logger: boltLogger(log),
    // No auth.test: these tests never talk to Slack.
    authorize: async () => ({ botToken: "xoxb-test", botId: "B0TEST", botUserId: "U0BOT" }),
  });
  const seen: Record<string, number> = { command: 0, action: 0, view: 0, options: 0, event: 0 };
  const count = (kind: string) => {
    seen[kind] = (seen[kind] ?? 0) + 1;
  };
  app.command("/profiles", async ({ ack }) => {
    count("command");
    await ack("help text");
  });
  app.action("approve", async ({ ack }) => {
    count("action");
    await ack();
  });
  app.view("wizard", async ({ ack }) => {
    count("view");
    await ack({ response_action: "clear" });
  });
  app.options("picker", async ({ ack }) => {
    count("options");
    await ack({ options: [] });
  });
  app.event("app_home_opened", async () => {
    count("event");
  });
  // Assigned onto the served object, so its `calls` getter stays live.
  return Object.assign(await serve({ ...opts, log }, receiver.requestListener), { app, seen });
}

export interface Signed {
  body: string;
  contentType: string;
  timestamp: number;
  signature: string;
}

export function sign(
  body: string,
  contentType: string,
  opts: { timestamp?: number; secret?: string } = {},
): Signed {
  const timestamp = opts.timestamp ?? now();
  return {
    body,
    contentType,
    timestamp,
    signature: signSlackRequest(opts.secret ?? SECRET, timestamp, body),
  };
}

export interface Answer {
  status: number;
  text: string;
}

/** Sends a signed request as it is (twice in a row for a replay), giving up after `timeoutMs`. */
export async function send(url: string, signed: Signed, timeoutMs = 10_000): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": signed.contentType,
      "x-slack-request-timestamp": String(signed.timestamp),
      "x-slack-signature": signed.signature,
    },
    body: signed.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, text: await res.text() };
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const interactive = (payload: unknown) => form({ payload: JSON.stringify(payload) });

export async function health(base: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

/**
 * Streams `bytes` of forged body without holding them: one 64 KiB chunk written again and
 * again, with a declared length or chunked. Stops writing once the server answers.
 */
export function forge(
  url: string,
  bytes: number,
  mode: "content-length" | "chunked",
): Promise<{ status: number; sentBytes: number }> {
  const target = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    let sentBytes = 0;
    const req = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      headers: {
        "content-type": JSON_TYPE,
        "x-slack-request-timestamp": String(now()),
        "x-slack-signature": `v0=${"0".repeat(64)}`,
        ...(mode === "content-length" ? { "content-length": String(bytes) } : {}),
      },
    });
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on("end", () => {
        req.destroy();
        resolve({ status: status ?? 0, sentBytes });
      });
    });
    req.on("error", (err) => {
      // The server closes the connection after its 413; writes after that fail.
      if (status !== undefined) resolve({ status, sentBytes });
      else reject(err);
    });
    const pump = () => {
      while (status === undefined && sentBytes < bytes && !req.destroyed) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (sentBytes >= bytes && !req.writableEnded) req.end();
    };
    pump();
  });
}
