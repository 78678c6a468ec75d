/**
 * Where a domain's dead-letter digest goes. `setAlerts` binds the domain to a channel, once
 * it has checked the domain exists and has a dead-letter queue to scan, and schedules its
 * scans; `stopAlerts` removes the binding, the schedule and the digest's state. Called by
 * `/profiles alerts`; the scans go through a port, so this knows nothing of the job queues.
 * In production the binding store keeps the binding as a tag on the domain, with Redis as
 * its cache (src/provision/bindings.ts), so the routing outlives Redis's data.
 *
 * A domain is named with its place (a DomainRef); `placesOfDomain` answers where a name the
 * user typed exists, so the command can ask which one when the name is in several places.
 */
import type { ProfilesGateway } from "../aws/profiles-gateway.js";
import { type DomainRef, type Place, refId } from "../aws/targets.js";
import type { Ctx } from "../context.js";
import type { BindingStore } from "../provision/bindings.js";
import type { DigestStore } from "./digests.js";

/** Starts and stops a domain's periodic scans. */
export interface ScanScheduler {
  /** Creates or re-times the domain's schedule; its first scan runs at once. */
  schedule(ref: DomainRef): Promise<void>;
  unschedule(ref: DomainRef): Promise<void>;
}

export interface AlertsCtx extends Ctx {
  bindings: BindingStore;
  digests: DigestStore;
  /** Customer Profiles in one place, acting for the caller. */
  profilesAt(place: Place): Pick<ProfilesGateway, "getDomain">;
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
  input: { ref: DomainRef; channelId: string };
}): Promise<SetAlertsOutcome> {
  const { ref, channelId } = input;
  const { domain } = ref;
  const found = await ctx.profilesAt(ref).getDomain(domain);
  if (!found) return { status: "unknown-domain", domain };
  const queueUrl = found.deadLetterQueueUrl;
  if (!queueUrl) return { status: "no-dlq", domain };

  const before = await ctx.bindings.get(ref);
  const { actor } = ctx;
  await ctx.bindings.set({
    account: ref.account,
    region: ref.region,
    domain,
    channelId,
    teamId: actor.type === "slack" ? actor.teamId : (before?.teamId ?? ""),
    queueUrl,
    boundBy: actor.type === "slack" ? actor.userId : `system: ${actor.reason}`,
    boundAt: (ctx.now?.() ?? new Date()).toISOString(),
  });
  await ctx.scans.schedule(ref);
  const movedFrom = before && before.channelId !== channelId ? before.channelId : undefined;
  ctx.log.info({ domain: refId(ref), channelId, movedFrom }, "dead-letter digest bound");
  return { status: "bound", domain, channelId, queueUrl, ...(movedFrom && { movedFrom }) };
}

export type StopAlertsOutcome = { status: "stopped" | "not-bound"; domain: string };

/** The last digest message stays in the channel as it is; only its state is dropped. */
export async function stopAlerts({
  ctx,
  input,
}: {
  ctx: Pick<AlertsCtx, "bindings" | "digests" | "scans" | "log">;
  input: { ref: DomainRef };
}): Promise<StopAlertsOutcome> {
  const { ref } = input;
  const removed = await ctx.bindings.remove(ref);
  await ctx.scans.unschedule(ref);
  await ctx.digests.remove(ref);
  ctx.log.info({ domain: refId(ref), removed }, "dead-letter digest stopped");
  return { status: removed ? "stopped" : "not-bound", domain: ref.domain };
}

/**
 * The places among `places` where a domain of that name exists, asked of each place at once.
 * With one place there is nothing to ask: that place is the answer, and setAlerts' own
 * lookup says whether the domain is there (so a single place costs one call, as before).
 */
export async function placesOfDomain(
  ctx: Pick<AlertsCtx, "profilesAt">,
  domain: string,
  places: readonly Place[],
): Promise<Place[]> {
  if (places.length <= 1) return [...places];
  const found = await Promise.all(
    places.map(async (place) =>
      (await ctx.profilesAt(place).getDomain(domain)) ? place : undefined,
    ),
  );
  return found.filter((p): p is Place => p !== undefined);
}
