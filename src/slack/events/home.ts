/**
 * The App Home: published when a user opens it, and again on Refresh or Scan now. Admins
 * also see the latest audit entries.
 */
import type { App } from "@slack/bolt";
import { enqueueScanNow } from "../../../jobs/dlq-scan.js";
import { authorize } from "../../access/authorize.js";
import { roleAtLeast } from "../../access/roles.js";
import { RedisDigestStore } from "../../dlq/digests.js";
import { gatherOverview } from "../../home/overview.js";
import { RedisBindingStore } from "../../provision/bindings.js";
import type { SlackDeps } from "../deps.js";
import type { AuditNote } from "../middleware/guard.js";
import { HOME_REFRESH_ACTION, HOME_SCAN_ACTION, renderHome } from "../render/home.js";

export async function publishHome(deps: SlackDeps, userId: string): Promise<void> {
  const { role } = await authorize(deps.access, userId, "status");
  const prefix = deps.config.redis.prefix;
  const overview = await gatherOverview({
    bindings: new RedisBindingStore(deps.redis, prefix),
    digests: new RedisDigestStore(deps.redis, prefix),
    queues: deps.queues,
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
  app.action(HOME_REFRESH_ACTION, async ({ ack, body }) => {
    await ack();
    await publishHome(deps, body.user.id);
  });
  app.action(HOME_SCAN_ACTION, async ({ ack, body, action, context }) => {
    await ack();
    const domain = "value" in action ? String(action.value ?? "") : "";
    const queue = deps.queues["dlq-scan"];
    if (!domain || !queue) return;
    const job = await enqueueScanNow(queue, domain);
    const note = context.audit as AuditNote | undefined;
    if (note) Object.assign(note, { target: domain, jobId: job.id, outcome: "accepted" });
    await publishHome(deps, body.user.id);
  });
}
