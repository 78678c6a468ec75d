/**
 * The App Home: published when a user opens it, and again on Refresh, Scan now or a key's
 * Check again. Admins also see the latest audit entries. Opening it also re-checks, after
 * it is shown, the KMS keys not checked within the hour, and shows it again when any were.
 * `register` wires the event; the buttons are in the entry table (src/slack/table.ts).
 */
import type { App } from "@slack/bolt";
import { authorize } from "../../access/authorize.js";
import { roleAtLeast } from "../../access/roles.js";
import { refId } from "../../aws/targets.js";
import type { Actor } from "../../context.js";
import { checkDomainKey } from "../../domains/key-check.js";
import { asAppError } from "../../errors.js";
import { refreshKeyChecks, staleKeyChecks } from "../../home/key-checks.js";
import { gatherOverview, type Overview } from "../../home/overview.js";
import { enqueueScanNow } from "../../queues/dlq-scan.js";
import { recentJobs } from "../../queues/recent-jobs.js";
import {
  auditedRef,
  bindingStore,
  digestStore,
  keyCheckStore,
  placeLabel,
  type SlackDeps,
  slackActor,
} from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { buttonRef, noteAudit } from "../middleware/guard.js";
import { MAX_DOMAINS, renderHome } from "../render/home.js";

export async function publishHome(deps: SlackDeps, userId: string): Promise<Overview> {
  const { role } = await authorize(deps.access, userId, "status");
  const overview = await gatherOverview({
    bindings: bindingStore(deps, slackActor(userId)),
    digests: digestStore(deps),
    keyChecks: keyCheckStore(deps),
    jobs: () => recentJobs(deps.queues),
    audit: roleAtLeast(role, "admin") ? deps.audit : undefined,
    describe: (place) => placeLabel(deps, place),
  });
  await deps.notifier.publishHome(userId, renderHome(overview, role));
  return overview;
}

/** Shows the Home, then checks the keys it showed stale results for, and shows it again. */
async function openHome(deps: SlackDeps, userId: string): Promise<void> {
  const overview = await publishHome(deps, userId);
  // Only the domains the Home lists one by one show a key.
  const stale = staleKeyChecks(overview.domains.slice(0, MAX_DOMAINS), Date.now());
  if (stale.length === 0) return;
  const actor: Actor = { type: "system", reason: "key-check" };
  const stored = await refreshKeyChecks(
    (place) => deps.targets.gateways(place, actor),
    keyCheckStore(deps),
    stale,
    (ref, err) => deps.log.warn({ err, ref: refId(ref) }, "could not check the domain's KMS key"),
  );
  if (stored > 0) await publishHome(deps, userId);
}

export function register(app: App, deps: SlackDeps): void {
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    await openHome(deps, event.user).catch((err) =>
      deps.log.warn({ err }, "could not publish the App Home"),
    );
  });
}

export async function onRefresh(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  await publishHome(deps, args.body.user.id);
}

export async function onScanNow(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const ref = buttonRef(args, deps.targets);
  if (!ref) return;
  const { jobId } = await enqueueScanNow(deps.queues, ref);
  noteAudit(args.context, { ...auditedRef(deps, ref), jobId, outcome: "accepted" });
  await publishHome(deps, args.body.user.id);
}

/**
 * Check again under a domain's key: reads the key's policy again, keeps the result and shows
 * the Home with it. The value carries only a domain name, read with the wizard's rule; the
 * guard has authorised the clicker for `status` afresh and audits the click; nothing changes.
 */
export async function onHomeKeyCheck(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const ref = buttonRef(args, deps.targets);
  if (!ref) return;
  noteAudit(args.context, auditedRef(deps, ref));
  try {
    const actor: Actor = {
      type: "slack",
      userId: args.body.user.id,
      teamId: args.body.team?.id ?? "",
    };
    await keyCheckStore(deps).set(await checkDomainKey(deps.targets.gateways(ref, actor), ref));
  } catch (err) {
    const e = asAppError(err);
    deps.log.warn({ err, code: e.code, ref: refId(ref) }, "key check failed");
    noteAudit(args.context, {
      outcome: e.code === "not_found" ? "refused" : "failed",
      detail: e.reason,
    });
  }
  await publishHome(deps, args.body.user.id);
}
