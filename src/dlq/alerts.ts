/**
 * Where a domain's dead-letter digest goes. `setAlerts` binds the domain to a channel, once
 * it has checked the domain exists and has a dead-letter queue to scan, and schedules its
 * scans; `stopAlerts` removes the binding, the schedule and the digest's state. Called by
 * `/profiles alerts`; the scans go through a port, so this knows nothing of the job queues.
 * In production the binding store keeps the binding as a tag on the domain, with Redis as
 * its cache (src/provision/bindings.ts), so the routing outlives Redis's data.
 */
import type { ProfilesGateway } from "../aws/profiles-gateway.js";
import type { Ctx } from "../context.js";
import type { BindingStore } from "../provision/bindings.js";
import type { DigestStore } from "./digests.js";

/** Starts and stops a domain's periodic scans. */
export interface ScanScheduler {
  /** Creates or re-times the domain's schedule; its first scan runs at once. */
  schedule(domain: string): Promise<void>;
  unschedule(domain: string): Promise<void>;
}

export interface AlertsCtx extends Ctx {
  bindings: BindingStore;
  digests: DigestStore;
  profiles: Pick<ProfilesGateway, "getDomain">;
  scans: ScanScheduler;
  now?: () => Date;
}

export type SetAlertsOutcome =
  | {
      status: "bound";
      domain: string;
      channelId: string;
      queueUrl: string;
      /** The channel the digest went to before, when this call moved it. */
      movedFrom?: string;
    }
  | { status: "unknown-domain"; domain: string }
  /** Failed objects are dropped, so there is nothing to watch. */
  | { status: "no-dlq"; domain: string };

export async function setAlerts({
  ctx,
  input,
}: {
  ctx: AlertsCtx;
  input: { domain: string; channelId: string };
}): Promise<SetAlertsOutcome> {
  const { domain, channelId } = input;
  const found = await ctx.profiles.getDomain(domain);
  if (!found) return { status: "unknown-domain", domain };
  const queueUrl = found.deadLetterQueueUrl;
  if (!queueUrl) return { status: "no-dlq", domain };

  const before = await ctx.bindings.get(domain);
  const { actor } = ctx;
  await ctx.bindings.set({
    domain,
    channelId,
    teamId: actor.type === "slack" ? actor.teamId : (before?.teamId ?? ""),
    queueUrl,
    boundBy: actor.type === "slack" ? actor.userId : `system: ${actor.reason}`,
    boundAt: (ctx.now?.() ?? new Date()).toISOString(),
  });
  await ctx.scans.schedule(domain);
  const movedFrom = before && before.channelId !== channelId ? before.channelId : undefined;
  ctx.log.info({ domain, channelId, movedFrom }, "dead-letter digest bound");
  return { status: "bound", domain, channelId, queueUrl, ...(movedFrom && { movedFrom }) };
}

export type StopAlertsOutcome = { status: "stopped" | "not-bound"; domain: string };

/** The last digest message stays in the channel as it is; only its state is dropped. */
export async function stopAlerts({
  ctx,
  input,
}: {
  ctx: Pick<AlertsCtx, "bindings" | "digests" | "scans" | "log">;
  input: { domain: string };
}): Promise<StopAlertsOutcome> {
  const { domain } = input;
  const removed = await ctx.bindings.remove(domain);
  await ctx.scans.unschedule(domain);
  await ctx.digests.remove(domain);
  ctx.log.info({ domain, removed }, "dead-letter digest stopped");
  return { status: removed ? "stopped" : "not-bound", domain };
}
