/**
 * `/profiles doctor`: the read-only preflight, for admins (the guard checks). It acks at
 * once and answers through `respond`, since the checks call AWS, Slack and Redis. The scopes
 * come from this app's own token: auth.test's x-oauth-scopes header, as the WebClient reads it.
 */

import { runDoctor } from "../../doctor/run.js";
import { asAppError } from "../../errors.js";
import { redisAddress } from "../../redis.js";
import { noteAudit } from "../middleware/guard.js";
import { DOCTOR_CHECKING, renderDoctor } from "../render/doctor.js";
import type { Subcommand } from "./subcommand.js";

export const doctorSubcommand: Subcommand = {
  name: "doctor",
  usage: "doctor",
  summary:
    "Check every AWS account and region the bot serves, the Slack token's scopes, Redis and the queues; changes nothing (admins).",
  permission: "doctor",
  run: async ({ ack, respond, client, deps, command, context }) => {
    await ack({ response_type: "ephemeral", text: DOCTOR_CHECKING });
    try {
      const report = await runDoctor({
        targets: deps.targets,
        actor: { type: "slack", userId: command.user_id, teamId: command.team_id },
        slackScopes: async () => (await client.auth.test()).response_metadata?.scopes,
        redis: {
          client: deps.redis,
          address: redisAddress(deps.config),
          prefix: deps.config.redis.prefix,
          queues: deps.queues,
        },
      });
      const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
      if (failed.length > 0) noteAudit(context, { detail: `failed checks: ${failed.join(", ")}` });
      await respond({ response_type: "ephemeral", ...renderDoctor(report) });
    } catch (err) {
      const appError = asAppError(err);
      deps.log.warn(
        { err, code: appError.code, userId: command.user_id, teamId: command.team_id },
        "doctor failed",
      );
      noteAudit(context, { outcome: "failed", detail: appError.reason });
      await respond({ response_type: "ephemeral", text: `:warning: ${appError.userMessage}` });
    }
  },
};
