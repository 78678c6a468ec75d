/**
 * `/profiles enable`: acks at once and opens the wizard's modal with the trigger_id before
 * any AWS call (src/slack/views/enable/open.ts); when it doesn't open, the person is told
 * through response_url. The instance list is loaded after the modal is open.
 */
import type { WebClient } from "@slack/web-api";
import { loadInstances } from "../../enable/wizard.js";
import { noteAudit } from "../middleware/guard.js";
import { draftStore } from "../views/enable/draft.js";
import { openWizard } from "../views/enable/open.js";
import type { Subcommand } from "./subcommand.js";

export const enableSubcommand: Subcommand = {
  name: "enable",
  usage: "enable",
  summary: "Enable Customer Profiles for an Amazon Connect instance (opens a form).",
  permission: "enable",
  run: async ({ ack, respond, client, command, deps, context }) => {
    const receivedAt = Date.now();
    await ack();
    const log = deps.log.child({ userId: command.user_id, teamId: command.team_id });
    const drafts = draftStore(deps);
    const owner = {
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
    };
    const places = deps.targets.places();
    const only = places.length === 1 ? places[0] : undefined;
    const opened = await openWizard({
      drafts,
      client: client as WebClient,
      triggerId: command.trigger_id,
      owner: only
        ? { ...owner, place: only }
        : { ...owner, places: places.map((p) => ({ ...p, label: deps.targets.describe(p) })) },
      receivedAt,
      log,
    });
    if (!opened.ok) {
      noteAudit(context, { outcome: "failed", detail: opened.text });
      await respond({ response_type: "ephemeral", text: opened.text });
      return;
    }
    // Warms the picker's list, so the options request answers from the draft at once; with
    // several places, the instance list waits for the place picked on the first step.
    if (!only) return;
    const gateways = deps.targets.gateways(only, { type: "slack", ...owner });
    const instances = await loadInstances(gateways);
    await drafts
      .patch(opened.draftId, { instances })
      .catch((err: unknown) => log.warn({ err }, "could not store the instance list"));
  },
};
