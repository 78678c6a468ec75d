/**
 * The App Home: published when a user opens it, and again on Refresh or Scan now. Admins
 * also see the latest audit entries. `register` wires the event; the buttons are in the
 * entry table (src/slack/table.ts).
 */
import type { App } from "@slack/bolt";
import { authorize } from "../../access/authorize.js";
import { roleAtLeast } from "../../access/roles.js";
import { validateDomainName } from "../../enable/names.js";
import { gatherOverview } from "../../home/overview.js";
import { enqueueScanNow } from "../../queues/dlq-scan.js";
import { recentJobs } from "../../queues/recent-jobs.js";
import { bindingStore, digestStore, type SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { renderHome } from "../render/home.js";

export async function publishHome(deps: SlackDeps, userId: string): Promise<void> {
  const { role } = await authorize(deps.access, userId, "status");
  const overview = await gatherOverview({
    bindings: bindingStore(deps),
    digests: digestStore(deps),
    jobs: () => recentJobs(deps.queues),
    audit: roleAtLeast(role, "admin") ? deps.audit : undefined,
  });
  await deps.notifier.publishHome(userId, renderHome(overview, role));
}

export function register(app: App, deps: SlackDeps): void {
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    await publishHome(deps, event.user).catch((err) =>
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
  const name = validateDomainName(buttonValue(args) ?? "");
  if (!name.ok) return;
  const domain = name.value;
  const { jobId } = await enqueueScanNow(deps.queues, domain);
  noteAudit(args.context, { target: domain, jobId, outcome: "accepted" });
  await publishHome(deps, args.body.user.id);
}
