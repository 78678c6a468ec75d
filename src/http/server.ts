/**
 * The bot's HTTP server: Slack's events endpoint (HTTP mode), /healthz (both modes) and,
 * with a token configured, /metrics for Prometheus.
 * It wraps Bolt's receiver rather than replacing it. Before Bolt sees a request, the body
 * is read up to a limit, its signature and timestamp are checked before it is parsed (the
 * only signature check: Bolt's receiver is reached through here alone), its shape is
 * checked, and a signature already acted on is refused. Why:
 * docs/adr/0001-own-http-server-around-bolt.md and docs/adr/0016-one-signature-check.md.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.js";
import type { AckSurface } from "../metrics.js";
import { dropRest, readBody } from "./body.js";
import type { SeenSignatures } from "./seen.js";
import { actsOnce, checkShape, isSslCheck } from "./shape.js";
import { type VerifyProblem, verifySlackSignature } from "./verify.js";

export const SLACK_EVENTS_PATH = "/slack/events";

export interface SlackEndpoint {
  /** Bolt's HTTPReceiver listener. */
  listener: RequestListener;
  signingSecret: string;
  /** Remembers signatures, so that a signed request is acted on at most once. */
  replays: SeenSignatures;
  /**
   * Told of a verified request refused because the replay check could not reach Redis, so
   * that the refusal reaches the audit trail like any other (its own backlog outlasts Redis).
   */
  refused?: (body: Buffer, contentType: string | undefined, reason: string) => void;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Absent in Socket Mode. */
  slack?: SlackEndpoint;
  /** `true`/`false`: whether Redis answers; a report adds why the bot is degraded. */
  healthy(): Promise<boolean | HealthReport>;
  /** `GET /metrics` for a request bearing `token`; absent: /metrics is not found. */
  metrics?: MetricsEndpoint;
}

export interface MetricsEndpoint {
  token: string;
  render(): Promise<{ contentType: string; body: string }>;
  /** Told how long each Slack request a person waits on took to be acked. */
  acked(surface: AckSurface, seconds: number): void;
}

export interface HealthReport {
  redis: "up" | "down";
  /** Why the bot answers but is not doing all it should (a bound domain with no scans). */
  degraded?: string[];
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Why a request never reached Bolt. */
type Refusal =
  | "not_found"
  | "method_not_allowed"
  | "body_too_large"
  | "body_aborted"
  | VerifyProblem
  | "payload_malformed"
  | "replayed"
  | "replay_store_down"
  | "internal_error";

const STATUS: Record<Refusal, number> = {
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  body_aborted: 400,
  timestamp_malformed: 401,
  timestamp_stale: 401,
  timestamp_future: 401,
  signature_malformed: 401,
  signature_mismatch: 401,
  payload_malformed: 400,
  // Slack retries an Events API delivery that did not get a 2xx, and turns off a
  // subscription whose deliveries keep failing. A repeat of a signature was either
  // answered already or is a replay: a bare 200 tells Slack it arrived, and tells an
  // attacker nothing; no listener runs either way.
  replayed: 200,
  // 5xx makes Slack retry the delivery later, re-signed, once Redis answers again.
  replay_store_down: 503,
  internal_error: 500,
};

const REPLAY_STORE_DOWN =
  "Redis did not answer, so the bot could not tell whether this request had been acted on already; nothing was done (HTTP 503)";

/** One request's identity in logs; never its body. */
interface RequestLog {
  requestId: string;
  method: string | undefined;
  path: string;
}

function refuse(
  res: ServerResponse,
  log: Logger,
  at: RequestLog,
  code: Refusal,
  reason?: string,
): void {
  const status = STATUS[code];
  const fields = { ...at, status, code, ...(reason ? { reason } : {}) };
  if (status >= 500) log.error(fields, "Slack request refused");
  else if (code === "not_found") log.debug(fields, "not found");
  else log.warn(fields, "Slack request refused");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A client that left mid-body is gone; a body too large is dropped by dropRest, which
  // closes the connection itself when the client keeps sending.
  const close = code === "body_aborted";
  res.writeHead(status, close ? { connection: "close" } : {});
  res.end();
}

const ACK_SURFACES = new Set<string>(["command", "action", "view", "options"]);

async function handleSlack(
  req: IncomingMessage,
  res: ServerResponse,
  slack: SlackEndpoint,
  log: Logger,
  at: RequestLog,
  acked?: MetricsEndpoint["acked"],
): Promise<void> {
  const arrived = performance.now();
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    refuse(res, log, at, "method_not_allowed");
    return;
  }
  const read = await readBody(req);
  if (!read.ok) {
    if (read.problem === "body_too_large") dropRest(req);
    refuse(res, log, at, read.problem);
    return;
  }
  const contentType = req.headers["content-type"];
  if (isSslCheck(contentType, read.body)) {
    res.writeHead(200).end();
    return;
  }
  const verified = verifySlackSignature(slack.signingSecret, req.headers, read.body);
  if (!verified.ok) {
    refuse(res, log, at, verified.problem);
    return;
  }
  const shape = checkShape(contentType, read.body);
  if (!shape.ok) {
    refuse(res, log, at, "payload_malformed", shape.reason);
    return;
  }
  if (actsOnce(shape.kind)) {
    let repeat: boolean;
    try {
      repeat = await slack.replays.seen(verified.signature);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      refuse(res, log, at, "replay_store_down", reason);
      slack.refused?.(read.body, contentType, REPLAY_STORE_DOWN);
      return;
    }
    if (repeat) {
      refuse(res, log, at, "replayed");
      return;
    }
  }
  // Bolt's HTTPReceiver answers the request when the listener acks, so the response's end
  // is the ack, whatever the listener does after it.
  if (acked && ACK_SURFACES.has(shape.kind)) {
    const surface = shape.kind as AckSurface;
    res.once("finish", () => acked(surface, (performance.now() - arrived) / 1000));
  }
  // Bolt reads `rawBody` when the request carries one instead of reading the stream, which
  // is spent by now.
  Object.assign(req, { rawBody: read.body });
  slack.listener(req, res);
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const { log, slack } = opts;
  const server = createServer(
    // Slack sends a few kilobytes at once; a client trickling a body is not Slack.
    { requestTimeout: 15_000, headersTimeout: 10_000 },
    (req, res) => {
      const at: RequestLog = {
        requestId: randomUUID(),
        method: req.method,
        path: (req.url ?? "/").split("?")[0] ?? "/",
      };
      res.setHeader("x-request-id", at.requestId);
      const failed = (err: unknown) => {
        const { name, code } = err as { name?: string; code?: string };
        log.error({ ...at, errorName: name, errorCode: code }, "request handler failed");
        refuse(res, log, at, "internal_error");
      };
      try {
        if (at.path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
          answerHealth(res, opts.healthy);
          return;
        }
        if (at.path === SLACK_EVENTS_PATH && slack) {
          handleSlack(req, res, slack, log, at, opts.metrics?.acked).catch(failed);
          return;
        }
        if (at.path === "/metrics" && opts.metrics && req.method === "GET") {
          answerMetrics(req, res, opts.metrics, log, at);
          return;
        }
        refuse(res, log, at, "not_found");
      } catch (err) {
        failed(err);
      }
    },
  );
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

/**
 * `GET /healthz`: 503 `{ok:false, status:"down"}` while Redis does not answer; 200
 * `{ok:true, status:"degraded", reasons}` while the bot runs but is missing work it should
 * do; 200 `{ok:true, status:"ok"}` otherwise. A load balancer reads the status code; a
 * person or a monitor reads the reasons.
 */
function answerHealth(res: ServerResponse, healthy: HttpServerOptions["healthy"]): void {
  const answer = (report: HealthReport) => {
    const up = report.redis === "up";
    const reasons = up ? (report.degraded ?? []) : [];
    const status = !up ? "down" : reasons.length > 0 ? "degraded" : "ok";
    res.writeHead(up ? 200 : 503, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ok: up,
        status,
        redis: report.redis,
        ...(reasons.length > 0 && { reasons }),
      }),
    );
  };
  healthy().then(
    (h) => answer(typeof h === "boolean" ? { redis: h ? "up" : "down" } : h),
    () => answer({ redis: "down" }),
  );
}

/**
 * `GET /metrics`: 401 without the configured bearer token (compared in constant time), the
 * Prometheus text format with it.
 */
function answerMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: MetricsEndpoint,
  log: Logger,
  at: RequestLog,
): void {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "");
  const wanted = Buffer.from(metrics.token);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    log.warn({ ...at, status: 401 }, "metrics scrape refused: missing or wrong bearer token");
    res.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"' }).end();
    return;
  }
  metrics.render().then(
    ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
    (err: unknown) => {
      log.error({ ...at, err }, "could not collect the metrics");
      res.writeHead(500).end();
    },
  );
}
