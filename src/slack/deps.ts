/**
 * What Slack listeners are given: services and gateways, never SDK clients directly; and
 * the stores, ports and caller context they build from it for the services they call.
 */
import type { Access } from "../access/authorize.js";
import type { AuditLog } from "../audit/audit.js";
import type { Gateways } from "../aws/gateways.js";
import type { Place, Targets } from "../aws/targets.js";
import type { Config } from "../config.js";
import type { AlertsCtx } from "../dlq/alerts.js";
import { RedisDigestStore } from "../dlq/digests.js";
import { RedisKeyCheckStore } from "../domains/key-check.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { TaggedBindingStore } from "../provision/bindings.js";
import { scheduleDomainScan, unscheduleDomainScan } from "../queues/dlq-scan.js";
import type { JobQueues } from "../queues/index.js";
import type { Redis } from "../redis.js";
import type { Notifier } from "./notifier/notifier.js";

export interface SlackDeps {
  config: Config;
  log: Logger;
  /** A fail-fast connection for small keyed records (drafts, bindings, audit). */
  redis: Redis;
  gateways: Gateways;
  /** Every account and region the bot serves, and the gateways for each. */
  targets: Targets;
  notifier: Notifier;
  /** The job queues: listeners call src/queues functions with them; workers process. */
  queues: JobQueues;
  /** Roles and group membership: the guard decides with it; jobs check again with it. */
  access: Access;
  audit: AuditLog;
  /** Counts the calls of the WebClients Bolt makes; absent in tests of listeners alone. */
  metrics?: Pick<Metrics, "slackCalls" | "slackRateLimited">;
}

export const digestStore = (deps: SlackDeps) =>
  new RedisDigestStore(deps.redis, deps.config.redis.prefix);

/** The last check of each domain's KMS key policy, which the App Home shows. */
export const keyCheckStore = (deps: SlackDeps) =>
  new RedisKeyCheckStore(deps.redis, deps.config.redis.prefix);

/** The place a person sees a domain in; nothing when the bot serves only one, as before. */
export const placeLabel = (deps: Pick<SlackDeps, "targets">, place: Place): string | undefined =>
  deps.targets.places().length > 1 ? deps.targets.describe(place) : undefined;

/** Bindings live in the domains' tags, cached in Redis (src/provision/bindings.ts). */
export const bindingStore = (deps: SlackDeps) =>
  new TaggedBindingStore(deps.redis, deps.config.redis.prefix, deps.gateways.profiles, {
    mutes: digestStore(deps),
    log: deps.log,
  });

/**
 * What `setAlerts` and `stopAlerts` need: the Slack caller with a logger that names them,
 * the stores, and the dlq-scan queue's per-domain schedulers as their scan port.
 */
export function alertsCtx(
  deps: SlackDeps,
  caller: { userId: string; teamId: string; channelId?: string },
  fields: Record<string, unknown> = {},
): AlertsCtx {
  return {
    actor: { type: "slack", ...caller },
    log: deps.log.child({ userId: caller.userId, teamId: caller.teamId, ...fields }),
    bindings: bindingStore(deps),
    digests: digestStore(deps),
    profiles: deps.gateways.profiles,
    scans: {
      schedule: (domain) => scheduleDomainScan(deps.queues, domain, deps.config.dlq.scanIntervalMs),
      unschedule: async (domain) => {
        await unscheduleDomainScan(deps.queues, domain);
      },
    },
  };
}
