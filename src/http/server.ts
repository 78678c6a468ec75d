/**
 * The bot's HTTP server: Slack's events endpoint (HTTP mode) and /healthz (both modes).
 * It wraps Bolt's receiver rather than replacing it, to add one check Bolt lacks.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.js";

export const SLACK_EVENTS_PATH = "/slack/events";
const MAX_SKEW_SECONDS = 5 * 60;

/**
 * Bolt rejects stale timestamps but not ones from the future; a future timestamp lets a
 * captured request be replayed for as long as the attacker chose, so refuse it here.
 */
export function timestampProblem(req: IncomingMessage, nowMs = Date.now()): string | undefined {
  const header = req.headers["x-slack-request-timestamp"];
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw || !/^\d+$/.test(raw)) return "missing or malformed X-Slack-Request-Timestamp";
  if (Number(raw) - Math.floor(nowMs / 1000) > MAX_SKEW_SECONDS) {
    return "X-Slack-Request-Timestamp is more than 5 minutes in the future";
  }
  return undefined;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Bolt's HTTPReceiver listener; absent in Socket Mode. */
  slack?: RequestListener;
  healthy(): Promise<boolean>;
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      opts.healthy().then(
        (ok) => {
          res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok, redis: ok ? "up" : "down" }));
        },
        () => {
          res.writeHead(503).end();
        },
      );
      return;
    }
    if (path === SLACK_EVENTS_PATH && opts.slack) {
      const problem = timestampProblem(req);
      if (problem) {
        opts.log.warn(
          { reason: problem, ip: req.socket.remoteAddress },
          "rejected unverifiable Slack request",
        );
        req.resume();
        res.writeHead(401).end();
        return;
      }
      opts.slack(req, res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
