/**
 * The enable wizard's rows of the entry table (src/slack/table.ts): every view callback,
 * action and options request of the modal, all needing the enable permission. Moving
 * through the steps creates nothing, so only Enable on the review is audited; the rest is
 * navigation on the way to it.
 */
import { ENABLE_ACTION_ENTRIES } from "../../actions/enable.js";
import type { Entry } from "../../entries.js";
import { ENABLE_OPTIONS_ENTRIES } from "../../options/enable.js";
import { CALLBACK, INFO_CALLBACK } from "../../render/enable/ids.js";
import { onEnable } from "./enable.js";
import { onStepSubmit } from "./step.js";

type ViewEntry = Extract<Entry, { kind: "view" }>;

const VIEW_ENTRIES: ViewEntry[] = [
  ...(["target", "instance", "domain", "dlq", "key"] as const).map(
    (step): ViewEntry => ({
      kind: "view",
      id: CALLBACK[step],
      permission: "enable",
      audited: false,
      handler: onStepSubmit(step),
    }),
  ),
  { kind: "view", id: CALLBACK.review, permission: "enable", audited: true, handler: onEnable },
  // A closing screen has no Submit button; should a submission come anyway, it just closes.
  {
    kind: "view",
    id: INFO_CALLBACK,
    permission: "enable",
    audited: false,
    handler: async ({ ack }) => ack(),
  },
];

export const ENABLE_ENTRIES: Entry[] = [
  ...VIEW_ENTRIES,
  ...ENABLE_ACTION_ENTRIES,
  ...ENABLE_OPTIONS_ENTRIES,
];
