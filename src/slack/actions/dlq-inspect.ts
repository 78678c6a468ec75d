/**
 * Inspect on a digest class: acks, reads the value, checks it was clicked on that domain's
 * digest (dlq-buttons.ts), reads the samples the last scan kept (Redis, no AWS call), and opens
 * a modal with them redacted per DLQ_PREVIEW, each readable one with a "Re-ingest this
 * message" button (dlq-reingest.ts). The modal's id is remembered with what it offered, so a
 * click in it can be checked against what the bot showed (inspect-views.ts).
 */
import { auditedRef, type SlackDeps } from "../deps.js";
import type { ActionArgs } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { offeredMessageIds, renderInspectModal } from "../render/digest.js";
import { classClicked, inspectViews } from "./dlq-buttons.js";

export async function onInspect(args: ActionArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, client } = args;
  await ack();
  // Two Redis reads before views.open: well inside the trigger_id's 3 seconds.
  const bound = await classClicked(args, deps);
  if (!bound) return;
  const { cls } = bound.target;
  const state = bound.digest;
  const { account, region, domain } = state;
  noteAudit(args.context, { ...auditedRef(deps, state), params: { class: cls } });
  const entry = state.lastSummary?.classes[cls];
  const view = renderInspectModal({
    domain,
    place: { account, region },
    ...(deps.targets.places().length > 1 && { where: deps.targets.describe(state) }),
    cls,
    ...(entry && { entry }),
    complete: state.lastComplete ?? true,
    preview: deps.config.dlq.preview,
    ...(state.lastScanAt !== undefined && { scannedAt: state.lastScanAt }),
  });
  const log = deps.log.child({ userId: body.user.id, action: args.action.action_id, domain });
  try {
    const opened = await client.views.open({ trigger_id: body.trigger_id, view });
    const viewId = opened.view?.id;
    if (viewId) {
      await inspectViews(deps).remember(viewId, {
        account,
        region,
        domain,
        cls,
        messageIds: offeredMessageIds(entry),
      });
    }
  } catch (err) {
    log.warn({ err }, "could not open the Inspect modal");
  }
}
