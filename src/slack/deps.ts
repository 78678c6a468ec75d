/**
 * What Slack listeners are given: services and gateways, never SDK clients directly; and
 * the stores, ports and caller context they build from it for the services they call.
 */
import type { Access } from "../access/authorize.js";
import type { AuditLog } from "../audit/audit.js";
import type { Gateways } from "../aws/gateways.js";
import { type DomainRef, type Place, refId, type Targets } from "../aws/targets.js";
import type { Config } from "../config.js";
import type { Actor } from "../context.js";
import type { AlertsCtx } from "../dlq/alerts.js";
import { RedisDigestStore } from "../dlq/digests.js";
import { RedisKeyCheckStore } from "../domains/key-check.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { placedTags, TaggedBindingStore } from "../provision/bindings.js";
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

/**
 * Bindings live in the domains' tags in every place, cached in Redis
 * (src/provision/bindings.ts); the tags are written as `actor`, the person who acted.
 */
export const bindingStore = (deps: SlackDeps, actor: Actor) =>
  new TaggedBindingStore(deps.redis, deps.config.redis.prefix, placedTags(deps.targets, actor), {
    mutes: digestStore(deps),
    log: deps.log,
  });

/** What an audit entry says about a domain: its refId, and its place for people. */
export const auditedRef = (deps: Pick<SlackDeps, "targets">, ref: DomainRef) => ({
  target: refId(ref),
  place: deps.targets.describe(ref),
});

/** The actor of a Slack request: the person, so an assumed role's session names them. */
export const slackActor = (userId: string, teamId = ""): Actor => ({
  type: "slack",
  userId,
  teamId,
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
  const actor: Actor = { type: "slack", ...caller };
  return {
    actor,
    log: deps.log.child({ userId: caller.userId, teamId: caller.teamId, ...fields }),
    bindings: bindingStore(deps, actor),
    digests: digestStore(deps),
    profilesAt: (place) => deps.targets.gateways(place, actor).profiles,
    scans: {
      schedule: (ref) => scheduleDomainScan(deps.queues, ref, deps.config.dlq.scanIntervalMs),
      unschedule: async (ref) => {
        await unscheduleDomainScan(deps.queues, ref);
      },
    },
  };
}
