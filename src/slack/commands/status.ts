/**
 * `/profiles status [domain]`: acks at once, then looks the domain (or all domains) up and
 * answers through `respond`, since the AWS calls can take longer than Slack's 3 seconds.
 * A domain that does not exist is audited as refused; a failed look-up as failed. The key
 * check it makes is kept for the App Home (src/domains/key-check.ts).
 */
import { domainStatus, keyCheckOf, listDomainStatus } from "../../domains/status.js";
import { asAppError } from "../../errors.js";
import { keyCheckStore } from "../deps.js";
import { noteAudit } from "../middleware/guard.js";
import type { SlackMessage } from "../notifier/notifier.js";
import { renderDomainList, renderDomainStatus, renderLookingUp } from "../render/status.js";
import type { Subcommand } from "./subcommand.js";

export const statusSubcommand: Subcommand = {
  name: "status",
  usage: "status [domain]",
  summary: "Show a domain's settings and counts, or list the domains.",
  permission: "status",
  run: async ({ ack, respond, argv, deps, command, context }) => {
    const name = argv[0];
    if (name) noteAudit(context, { target: name.slice(0, 100) });
    await ack({ response_type: "ephemeral", text: renderLookingUp(name) });
    try {
      let message: SlackMessage;
      if (name) {
        const status = await domainStatus(deps.gateways, name);
        // The App Home shows this key check until a later one replaces it.
        await keyCheckStore(deps).set(keyCheckOf(status));
        message = renderDomainStatus(status);
      } else message = renderDomainList(await listDomainStatus(deps.gateways));
      await respond({ response_type: "ephemeral", ...message });
    } catch (err) {
      const appError = asAppError(err);
      deps.log.warn(
        {
          err,
          code: appError.code,
          userId: command.user_id,
          teamId: command.team_id,
          domain: name,
        },
        "status lookup failed",
      );
      noteAudit(context, {
        outcome: appError.code === "not_found" ? "refused" : "failed",
        detail: appError.reason,
      });
      await respond({ response_type: "ephemeral", text: `:warning: ${appError.userMessage}` });
    }
  },
};
