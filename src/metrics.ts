/**
 * The Prometheus metrics of one runtime, in a registry of its own (tests start several
 * runtimes in one process). Every label is bounded: surfaces, queue and job names, states,
 * AWS operations and error names, Slack methods, the configured accounts and regions, and
 * domain names (at most 100 per account and region, AWS's quota). No user ids, no free text.
 *
 * Events (acks, jobs, calls) are counted where they happen; the state of Redis (jobs by
 * state, DLQ depth) is read when Prometheus scrapes, by the listeners' process only, so that
 * a deployment with separate bot and worker processes does not report it twice.
 * Under ROLE=all the worker thread's metrics reach the listeners' /metrics over its message
 * port (src/worker-thread.ts), summed per series by prom-client's AggregatorRegistry.
 */
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";

/** The request kinds a person waits on an ack for. */
export type AckSurface = "command" | "action" | "view" | "options";

/** One domain's dead-letter queue as its last scan saw it. */
export interface DlqDepth {
  account: string;
  region: string;
  domain: string;
  messages: number;
  /** Absent when the queue was empty. */
  oldestAgeSeconds?: number;
}

/** What the listeners' process reads from Redis on each scrape. */
export interface ScrapeSources {
  jobCounts(): Promise<{ queue: string; state: string; count: number }[]>;
  dlqDepths(): Promise<DlqDepth[]>;
}

export interface Metrics {
  registry: Registry;
  ack: Histogram<"surface">;
  jobDuration: Histogram<"queue" | "name" | "outcome">;
  reingestObjects: Counter<"outcome">;
  awsCalls: Counter<"service" | "operation" | "error">;
  awsLatency: Histogram<"service" | "operation">;
  slackCalls: Counter<"method" | "outcome">;
  slackRateLimited: Counter<"method">;
  /** Reconciles that could not list a place's domains (its role refused, its region down). */
  placeUnreachable: Counter<"account" | "region">;
}

/** Slack's ack deadline is 3 s: the buckets are finest below it. */
const ACK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];
/** From a second-long provisioning step to an hour-long re-ingest. */
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];
const CALL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(sources?: ScrapeSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "profiles_bot_" });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    ack: new Histogram({
      name: "profiles_bot_ack_seconds",
      help: "From a Slack request's arrival to its ack (HTTP mode), by surface",
      labelNames: ["surface"],
      buckets: ACK_BUCKETS,
      registers,
    }),
    jobDuration: new Histogram({
      name: "profiles_bot_job_duration_seconds",
      // `name`, not `job`: Prometheus gives every series a `job` label of its own.
      help: "From a job attempt's start to its end, by queue, job name and outcome",
      labelNames: ["queue", "name", "outcome"],
      buckets: JOB_BUCKETS,
      registers,
    }),
    reingestObjects: new Counter({
      name: "profiles_bot_reingest_objects_total",
      help: "Re-ingest objects: accepted by PutProfileObject (came_back included), failed, came back to the DLQ",
      labelNames: ["outcome"],
      registers,
    }),
    awsCalls: new Counter({
      name: "profiles_bot_aws_calls_total",
      help: "AWS SDK calls (retries included) by service, operation and error name (none: succeeded)",
      labelNames: ["service", "operation", "error"],
      registers,
    }),
    awsLatency: new Histogram({
      name: "profiles_bot_aws_call_seconds",
      help: "AWS SDK call latency, retries included, by service and operation",
      labelNames: ["service", "operation"],
      buckets: CALL_BUCKETS,
      registers,
    }),
    slackCalls: new Counter({
      name: "profiles_bot_slack_calls_total",
      help: "Slack Web API calls by method and outcome (ok, rate_limited, error)",
      labelNames: ["method", "outcome"],
      registers,
    }),
    slackRateLimited: new Counter({
      name: "profiles_bot_slack_rate_limited_total",
      help: "HTTP 429 answers from the Slack Web API, by method",
      labelNames: ["method"],
      registers,
    }),
    placeUnreachable: new Counter({
      name: "profiles_bot_place_unreachable_total",
      help: "Reconciles of the digest bindings that could not list a place's domains (its cached bindings were kept), by account and region",
      labelNames: ["account", "region"],
      registers,
    }),
  };
  if (sources) addScrapeGauges(registry, sources);
  return metrics;
}

function addScrapeGauges(registry: Registry, sources: ScrapeSources): void {
  const registers = [registry];
  new Gauge({
    name: "profiles_bot_jobs",
    help: "Jobs in each queue by state, read from Redis at scrape time",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      this.reset();
      for (const { queue, state, count } of await sources.jobCounts()) {
        this.set({ queue, state }, count);
      }
    },
  });
  // Both DLQ gauges come from one read of the digests per scrape.
  let depths: Promise<DlqDepth[]> | undefined;
  const read = () => {
    depths ??= sources.dlqDepths().finally(() => {
      depths = undefined;
    });
    return depths;
  };
  new Gauge({
    name: "profiles_bot_dlq_messages",
    help: "Messages in each bound domain's dead-letter queue at its last scan, by account, region and domain",
    labelNames: ["account", "region", "domain"],
    registers,
    async collect() {
      this.reset();
      for (const d of await read()) this.set(dlqLabels(d), d.messages);
    },
  });
  new Gauge({
    name: "profiles_bot_dlq_oldest_message_age_seconds",
    help: "Age now of the oldest message each bound domain's last scan saw (absent when empty), by account, region and domain",
    labelNames: ["account", "region", "domain"],
    registers,
    async collect() {
      this.reset();
      for (const d of await read()) {
        if (d.oldestAgeSeconds !== undefined) this.set(dlqLabels(d), d.oldestAgeSeconds);
      }
    },
  });
}

/** The same domain name in two accounts or regions is two series. */
const dlqLabels = ({ account, region, domain }: DlqDepth) => ({ account, region, domain });

/** This registry's metrics, as ROLE=all's worker thread sends them to the listeners. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The text Prometheus reads: this registry's metrics, plus other processes' snapshots (the
 * worker thread under ROLE=all) summed series by series.
 */
export async function exposition(
  registry: Registry,
  others: MetricsSnapshot[] = [],
): Promise<{ contentType: string; body: string }> {
  if (others.length === 0) {
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
  const own = (await registry.getMetricsAsJSON()) as MetricsSnapshot;
  const merged = AggregatorRegistry.aggregate([own, ...others]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
