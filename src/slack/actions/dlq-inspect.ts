/**
 * Inspect on a digest class: acks, reads the samples the last scan kept (Redis, no AWS call),
 * and opens a modal with them redacted per DLQ_PREVIEW, each readable one with a "Re-ingest
 * this message" button (handled by the re-ingest actions).
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import { RedisDigestStore } from "../../dlq/digests.js";
import type { SlackDeps } from "../deps.js";
import { readClassActionValue, renderInspectModal } from "../render/digest.js";

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export async function onInspect(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  const { ack, body, action, client, respond } = args;
  await ack();
  const target = readClassActionValue(action.value);
  const log = deps.log.child({ userId: body.user.id, action: action.action_id });
  if (!target) {
    log.warn({ value: action.value }, "Inspect clicked with an unreadable value");
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: ":warning: This button is from an older digest; wait for the next scan and try again.",
    });
    return;
  }
  // One Redis read: well inside the trigger_id's 3 seconds.
  const state = await new RedisDigestStore(deps.redis, deps.config.redis.prefix).get(target.domain);
  const view = renderInspectModal({
    domain: target.domain,
    cls: target.cls,
    ...(state?.lastSummary?.classes[target.cls] && {
      entry: state.lastSummary.classes[target.cls],
    }),
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
