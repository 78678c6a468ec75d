/**
 * The one table of Slack entry points (the shape is in entries.ts): app.ts registers each
 * handler from it and the guard authorises each request from it. A button's click ends up
 * in its handler, which calls one service or src/queues function.
 */

import { onDiscard } from "./actions/dlq-discard.js";
import { onInspect } from "./actions/dlq-inspect.js";
import { onMute } from "./actions/dlq-mute.js";
import { onReingestClass, onReingestMessage } from "./actions/dlq-reingest.js";
import { onKeyCheckAgain } from "./actions/key-check.js";
import { onCheckLink, onCleanup, onRetry } from "./actions/provision.js";
import type { Entry, Requirement } from "./entries.js";
import { onHomeKeyCheck, onRefresh, onScanNow } from "./events/home.js";
import {
  DLQ_DISCARD_ACTION,
  DLQ_INSPECT_ACTION,
  DLQ_MUTE_ACTION,
  DLQ_REINGEST_ACTION,
  DLQ_REINGEST_ONE_ACTION,
} from "./render/digest.js";
import { HOME_KEY_CHECK_ACTION, HOME_REFRESH_ACTION, HOME_SCAN_ACTION } from "./render/home.js";
import { CHECK_LINK_ACTION, CLEANUP_ACTION, RETRY_ACTION } from "./render/provision.js";
import { KEY_CHECK_ACTION } from "./render/status.js";
import { ENABLE_ENTRIES } from "./views/enable/entries.js";

type ActionHandler = Extract<Entry, { kind: "action" }>["handler"];

/** A button or menu: audited unless it changes and reveals nothing. */
const action = (id: string, permission: Requirement, handler: ActionHandler): Entry => ({
  kind: "action",
  id,
  permission,
  audited: permission !== "public",
  handler,
});

export const ENTRIES: readonly Entry[] = [
  // A provisioning job's message.
  action(RETRY_ACTION, "enable", onRetry),
  action(CLEANUP_ACTION, "cleanup", onCleanup),
  // A report whose instance link is left to be made by hand: who may enable may check it.
  action(CHECK_LINK_ACTION, "enable", onCheckLink),
  // A dead-letter digest, and its Inspect modal.
  action(DLQ_REINGEST_ACTION, "reingest", onReingestClass),
  action(DLQ_REINGEST_ONE_ACTION, "reingest", onReingestMessage),
  action(DLQ_INSPECT_ACTION, "inspect", onInspect),
  action(DLQ_DISCARD_ACTION, "discard", onDiscard),
  action(DLQ_MUTE_ACTION, "mute", onMute),
  // A `/profiles status` answer: check the domain's KMS key again.
  action(KEY_CHECK_ACTION, "status", onKeyCheckAgain),
  // The App Home.
  action(HOME_REFRESH_ACTION, "public", onRefresh),
  action(HOME_SCAN_ACTION, "inspect", onScanNow),
  action(HOME_KEY_CHECK_ACTION, "status", onHomeKeyCheck),
  // The enable wizard's modal: its steps, Back, the selects that re-shape a step, the pickers.
  ...ENABLE_ENTRIES,
];
