/**
 * Inspect on a digest class: acks, reads the samples the last scan kept (Redis, no AWS call),
 * and opens a modal with them redacted per DLQ_PREVIEW, each readable one with a "Re-ingest
 * this message" button (dlq-reingest.ts).
 */
import { digestStore, type SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { readClassActionValue, renderInspectModal } from "../render/digest.js";
import { OLDER_DIGEST } from "../render/dlq-clicks.js";

export async function onInspect(args: ActionArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, client, respond } = args;
  await ack();
  const value = buttonValue(args);
  const target = readClassActionValue(value);
  const log = deps.log.child({ userId: body.user.id, action: args.action.action_id });
  if (!target) {
    log.warn({ value }, "Inspect clicked with an unreadable value");
    await respond({ response_type: "ephemeral", replace_original: false, text: OLDER_DIGEST });
    return;
  }
  // One Redis read: well inside the trigger_id's 3 seconds.
  const state = await digestStore(deps).get(target.domain);
  const entry = state?.lastSummary?.classes[target.cls];
  const view = renderInspectModal({
    domain: target.domain,
    cls: target.cls,
    ...(entry && { entry }),
    complete: state?.lastComplete ?? true,
    preview: deps.config.dlq.preview,
    ...(state?.lastScanAt !== undefined && { scannedAt: state.lastScanAt }),
  });
  try {
    await client.views.open({ trigger_id: body.trigger_id, view });
  } catch (err) {
    log.warn({ err, domain: target.domain }, "could not open the Inspect modal");
  }
}
