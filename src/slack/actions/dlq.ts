/**
 * The digest's own buttons: Inspect (a modal of redacted samples) and Mute. Re-ingest and
 * Discard are registered by the re-ingest actions (dlq-reingest*.ts, dlq-discard*.ts).
 */
import type { App, BlockAction, ButtonAction, OverflowAction } from "@slack/bolt";
import type { SlackDeps } from "../deps.js";
import { DLQ_INSPECT_ACTION, DLQ_MUTE_ACTION } from "../render/digest.js";
import { onInspect } from "./dlq-inspect.js";
import { onMute } from "./dlq-mute.js";

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(DLQ_INSPECT_ACTION, (args) => onInspect(args, deps));
  app.action<BlockAction<OverflowAction>>(DLQ_MUTE_ACTION, (args) => onMute(args, deps));
}
