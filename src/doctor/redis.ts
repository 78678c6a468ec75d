/**
 * Redis as BullMQ needs it: it answers, its version is one BullMQ runs on (at least 5.0.0,
 * 6.2.0 recommended), and `maxmemory-policy` is noeviction, since under any eviction policy
 * queued jobs can vanish (docs/redis-bullmq.md). Then the queues: none paused, workers
 * listening, every bound domain with its scan schedule.
 */
import { scanScheduleProblems } from "../queues/dlq-scan.js";
import { queueHealth } from "../queues/health.js";
import type { JobQueues } from "../queues/index.js";
import { type Redis, redisAnswers } from "../redis.js";
import { type CheckResult, result } from "./report.js";

const MINIMUM = [5, 0, 0];
const RECOMMENDED = [6, 2, 0];

const NOEVICTION_FIX =
  "run Redis with maxmemory-policy noeviction: `redis-server --maxmemory-policy noeviction`, `CONFIG SET maxmemory-policy noeviction` (and CONFIG REWRITE), or your provider's parameter group.";

function versionBelow(version: string, floor: number[]): boolean {
  const parts = version.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < floor.length; i++) {
    const a = parts[i] ?? 0;
    const b = floor[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/** `INFO server`'s redis_version, or undefined when the server hides it. */
async function versionOf(redis: Redis): Promise<string | undefined> {
  const info = await redis.info("server");
  return /^redis_version:(\S+)/m.exec(info)?.[1];
}

/** `CONFIG GET maxmemory-policy`, or undefined where CONFIG is disabled (managed Redis). */
async function evictionPolicyOf(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as string[];
    return reply[1];
  } catch {
    return undefined;
  }
}

/** `where`: the address as redisAddress words it. */
export async function redisCheck(redis: Redis, where: string): Promise<CheckResult> {
  if (!(await redisAnswers(redis, 3_000))) {
    return result("redis", "fail", `Redis does not answer at ${where}.`, {
      fix: "start it (`redis-server --maxmemory-policy noeviction`) or point REDIS_URL (REDIS_CLUSTER_NODES for a cluster) at it.",
      details: { address: where, answered: false },
    });
  }
  const [version, policy] = await Promise.all([versionOf(redis), evictionPolicyOf(redis)]);
  const details = { address: where, version, maxmemoryPolicy: policy };
  const shown = `Redis ${version ?? "(version hidden)"} at ${where}`;
  if (version && versionBelow(version, MINIMUM)) {
    return result("redis", "fail", `${shown}: BullMQ needs Redis 5.0.0 or later.`, {
      fix: "upgrade Redis to 6.2 or later.",
      details,
    });
  }
  if (policy !== undefined && policy !== "noeviction") {
    return result(
      "redis",
      "fail",
      `${shown} has maxmemory-policy ${policy}: under memory pressure it evicts keys, and queued jobs vanish.`,
      { fix: NOEVICTION_FIX, details },
    );
  }
  if (policy === undefined) {
    return result("redis", "warn", `${shown}: it does not let the bot read maxmemory-policy.`, {
      fix: `check it in your provider's settings; ${NOEVICTION_FIX}`,
      details,
    });
  }
  if (version && versionBelow(version, RECOMMENDED)) {
    return result("redis", "warn", `${shown}, maxmemory-policy noeviction.`, {
      fix: "BullMQ recommends Redis 6.2 or later: upgrade when you can.",
      details,
    });
  }
  return result("redis", "ok", `${shown}, maxmemory-policy noeviction.`, { details });
}

export async function queuesCheck(
  queues: JobQueues,
  redis: Redis,
  prefix: string,
): Promise<CheckResult> {
  const [health, scheduleProblems] = await Promise.all([
    queueHealth(queues),
    scanScheduleProblems(queues, redis, prefix),
  ]);
  const details = { prefix, queues: health, scheduleProblems };
  const counts = health
    .map(
      (q) =>
        `${q.name}: ${q.counts.waiting} waiting, ${q.counts.active} active, ${q.counts.failed} failed${q.workers === undefined ? "" : `, ${q.workers} worker${q.workers === 1 ? "" : "s"}`}`,
    )
    .join("; ");
  const paused = health.filter((q) => q.paused).map((q) => q.name);
  if (paused.length > 0) {
    return result("queues", "fail", `paused: ${paused.join(", ")} (${counts}).`, {
      fix: `resume ${paused.length === 1 ? "it" : "them"} with BullMQ's queue.resume(): nothing on a paused queue runs, and the bot never pauses a queue itself.`,
      details,
    });
  }
  const idle = health.filter((q) => q.workers === 0).map((q) => q.name);
  if (idle.length > 0) {
    return result("queues", "warn", `no worker listens on ${idle.join(", ")} (${counts}).`, {
      fix: "start a worker (ROLE=worker or ROLE=all) against this REDIS_URL and QUEUE_PREFIX.",
      details,
    });
  }
  if (scheduleProblems.length > 0) {
    return result("queues", "warn", `${scheduleProblems.join("; ")} (${counts}).`, {
      fix: "wait for the next reconcile (DLQ_RECONCILE_INTERVAL); if this stays, check that a worker runs.",
      details,
    });
  }
  return result("queues", "ok", `${counts}.`, { details });
}
