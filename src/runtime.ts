/**
 * Starts the processes of one role (bot, worker or all) from a validated config, and stops
 * them in order: workers first (they finish their current step), then the HTTP server and
 * Slack receiver, then Redis, and drops what has not stopped after STOP_DEADLINE_MS. main.ts,
 * the sandbox and end-to-end tests all use this.
 */
import type { RequestListener } from "node:http";
import { WebClient } from "@slack/web-api";
import type { Worker } from "bullmq";
import type { Access } from "./access/authorize.js";
import { CachedGroupDirectory } from "./access/directory.js";
import { RedisAuditLog } from "./audit/audit.js";
import type { AwsCall, AwsClientConfig } from "./aws/clients.js";
import { createTargets, type TargetRegistry } from "./aws/target-registry.js";
import type { Config } from "./config.js";
import { beforeDeadline, TIMED_OUT } from "./deadline.js";
import { RedisDigestStore } from "./dlq/digests.js";
import { dlqDepths } from "./dlq/metrics.js";
import { RedisSeenSignatures, type SeenSignatures } from "./http/seen.js";
import { type SlackEndpoint, startHttpServer } from "./http/server.js";
import type { Logger } from "./logger.js";
import {
  createMetrics,
  exposition,
  type Metrics,
  type MetricsSnapshot,
  type ScrapeSources,
} from "./metrics.js";
import { RedisBindingStore } from "./provision/bindings.js";
import { scanScheduleProblems } from "./queues/dlq-scan.js";
import { createQueues, type JobQueues } from "./queues/index.js";
import { jobCounts } from "./queues/metrics.js";
import { RedisRateLimiter } from "./ratelimit.js";
import {
  checkEvictionPolicy,
  createRedis,
  type Redis,
  redisAddress,
  redisAnswers,
} from "./redis.js";
import { instrumentSlackClient } from "./slack/client-metrics.js";
import { auditRefusedRequest } from "./slack/middleware/guard.js";
import { SlackNotifier } from "./slack/notifier/notifier.js";
import { createSlackReporters } from "./slack/reporters/index.js";
import { slackGroupMembers } from "./slack/usergroups.js";
import { migrateBareDomains } from "./upgrade/bare-domains.js";

export interface Runtime {
  /** Base URL of the HTTP server (events at /slack/events, /healthz). */
  url: string;
  /** This process's metrics, also when /metrics is off (ROLE=all's worker sends them on). */
  metrics: Metrics;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Static AWS credentials (sandbox and tests); production uses the SDK's default chain. */
  awsCredentials?: AwsClientConfig["credentials"];
  /** Other runtimes' metrics to serve with this one's (ROLE=all: the worker thread's). */
  otherMetrics?: () => Promise<MetricsSnapshot[]>;
  /** How long a stop waits before it drops the Redis connections (tests shorten it). */
  stopDeadlineMs?: number;
}

/**
 * A stop waits this long for the workers' current jobs and Redis's goodbyes. Then it drops the
 * connections: a job cut short is taken up again after a restart, as after a crash. Without it
 * a stop during a Redis outage never ended: BullMQ's Worker.close() waits forever for its
 * blocking connection when that connection is down or between two reconnection tries. Under
 * the 30 s that ROLE=all gives its worker thread and that Kubernetes gives before SIGKILL.
 */
export const STOP_DEADLINE_MS = 25_000;

export async function startRuntime(
  config: Config,
  log: Logger,
  opts: RuntimeOptions = {},
): Promise<Runtime> {
  const redis = createRedis(config, "client", log);
  const workerConnection = createRedis(config, "worker", log);
  // Its own connection: a request's replay check never waits behind other commands.
  const replayConnection =
    config.role !== "worker" ? createRedis(config, "replay", log) : undefined;
  const connections = [redis, workerConnection, ...(replayConnection ? [replayConnection] : [])];
  const disconnect = () => {
    for (const c of connections) c.disconnect();
  };
  const queues = createQueues(redis, config.redis.prefix, (err, queue) =>
    log.warn({ err, queue }, "job queue connection error"),
  );
  const metrics = createMetrics(
    config.role !== "worker" ? scrapeSources(queues, redis, config.redis.prefix) : undefined,
  );
  const observeAws = (call: AwsCall) => {
    const { service, operation, error = "none", seconds } = call;
    metrics.awsCalls.inc({ service, operation, error });
    metrics.awsLatency.observe({ service, operation }, seconds);
  };
  // Rate-limited calls come back to the notifier, which waits for that method alone.
  const slackClient = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
  });
  instrumentSlackClient(slackClient, metrics);
  const notifier = new SlackNotifier(
    slackClient,
    new RedisRateLimiter(redis, config.redis.prefix),
    log.child({ component: "notifier" }),
  );
  const access: Access = {
    grants: config.access,
    directory: new CachedGroupDirectory(slackGroupMembers(slackClient), redis, config.redis.prefix),
  };
  const audit = new RedisAuditLog(redis, config.redis.prefix, log.child({ component: "audit" }));
  const stops: (() => Promise<unknown>)[] = [];
  let targets: TargetRegistry | undefined;
  try {
    if (!(await redisAnswers(redis, 3_000))) {
      throw new Error(
        `Redis does not answer at ${redisAddress(config)}: start it (redis-server --maxmemory-policy noeviction) or set REDIS_URL (REDIS_CLUSTER_NODES for a cluster).`,
      );
    }
    await checkEvictionPolicy(redis, log);
    const { targets: configured, ...aws } = config.aws;
    targets = await createTargets({
      targets: configured,
      aws: { ...aws, credentials: opts.awsCredentials },
      observe: observeAws,
    });
    // The default place's gateways, for the code that does not name a place yet: with
    // AWS_TARGETS unset, the one set of clients the bot has always had.
    const gateways = targets.gateways(targets.defaultPlace(), { type: "system", reason: "bot" });
    // Before any worker or listener reads them: what a single-place bot kept under bare
    // domain names moves to the domains' refIds, so their digests carry on.
    await migrateBareDomains({
      redis,
      prefix: config.redis.prefix,
      queues,
      targets,
      ...(config.aws.region !== undefined && { awsRegion: config.aws.region }),
      audit,
      log: log.child({ component: "upgrade" }),
    });

    let workers: Worker[] = [];
    if (config.role !== "bot") {
      // Loaded only where jobs run: a listeners-only process stays smaller without them.
      const { startWorkers } = await import("../jobs/index.js");
      workers = await startWorkers({
        config,
        log,
        connection: workerConnection,
        redis,
        queues,
        gateways,
        targets,
        // The ports jobs report through, implemented on Slack: jobs never import src/slack.
        reporters: createSlackReporters({
          notifier,
          log,
          targets,
          preview: config.dlq.preview,
          reingestRate: config.reingest.rate,
        }),
        access,
        audit,
        metrics,
      });
      stops.push(() => Promise.all(workers.map((w) => w.close())));
    }

    // Likewise, the Slack app (its commands, views and Bolt's App) only where listeners run.
    const slack =
      config.role !== "worker"
        ? (await import("./slack/app.js")).createSlackApp({
            config,
            log,
            redis,
            gateways,
            targets,
            notifier,
            queues,
            access,
            audit,
            metrics,
          })
        : undefined;
    if (slack) await slack.start();
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      log,
      slack: slackEndpoint(
        config,
        slack?.requestListener,
        new RedisSeenSignatures(replayConnection ?? redis, config.redis.prefix),
        auditRefusedRequest(audit, log),
      ),
      healthy: async () => {
        if (!(await redisAnswers(redis))) return { redis: "down" };
        // A bound domain without scans is degraded, not down: Slack requests still work.
        const degraded = await scanScheduleProblems(queues, redis, config.redis.prefix).catch(
          (err: unknown) => [`could not check the scan schedules: ${(err as Error).message}`],
        );
        return { redis: "up", degraded };
      },
      ...(config.http.metricsToken !== undefined && {
        metrics: {
          token: config.http.metricsToken,
          render: async () => exposition(metrics.registry, (await opts.otherMetrics?.()) ?? []),
          acked: (surface, seconds) => metrics.ack.observe({ surface }, seconds),
        },
      }),
    });
    stops.push(() => http.close());
    if (slack) stops.push(() => slack.stop());

    log.info(
      {
        role: config.role,
        url: http.url,
        mode: config.slack.appToken ? "socket" : "http",
        workers: workers.length,
      },
      "profiles-bot started",
    );
    return {
      url: http.url,
      metrics,
      stop: async () => {
        const deadline = opts.stopDeadlineMs ?? STOP_DEADLINE_MS;
        const graceful = (async () => {
          for (const stop of stops) await stop();
          await queues.close();
          // A connection to a Redis that is down cannot say goodbye: it is just closed.
          await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
        })();
        try {
          if ((await beforeDeadline(graceful, deadline)) === TIMED_OUT) {
            log.warn(
              { deadlineMs: deadline, redis: redis.status },
              "stopping took too long (is Redis answering?): dropped the Redis connections; a job cut short is taken up again after a restart",
            );
            disconnect();
          }
        } catch (err) {
          disconnect();
          throw err;
        } finally {
          targets?.stop();
        }
        log.info("profiles-bot stopped");
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    await queues.close().catch(() => {});
    targets?.stop();
    disconnect();
    throw err;
  }
}

/** What the listeners' process reads from Redis when Prometheus scrapes. */
function scrapeSources(queues: JobQueues, redis: Redis, prefix: string): ScrapeSources {
  return {
    jobCounts: () => jobCounts(queues),
    dlqDepths: () =>
      dlqDepths(new RedisBindingStore(redis, prefix), new RedisDigestStore(redis, prefix)),
  };
}

/** The events endpoint in HTTP mode; Socket Mode has no listener, so no endpoint. */
function slackEndpoint(
  config: Config,
  listener: RequestListener | undefined,
  replays: SeenSignatures,
  refused: SlackEndpoint["refused"],
): SlackEndpoint | undefined {
  if (!listener) return undefined;
  const { signingSecret } = config.slack;
  // loadConfig requires the secret whenever there is no app token, so this cannot happen.
  if (!signingSecret) throw new Error("SLACK_SIGNING_SECRET is required in HTTP mode");
  return { listener, signingSecret, replays, refused };
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}
