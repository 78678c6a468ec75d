/**
 * "Check again" under a domain's KMS key in a `/profiles status` answer: reads the key's policy
 * again and replaces the answer with the domain's status as it is now.
 *
 * The value is untrusted: it carries only a domain's reference (account, region and name), read
 * as such and checked to be a place the bot serves, and nothing is bound to it because nothing
 * changes. The guard has authorised the clicker for
 * `status` (viewer) afresh, exactly as for typing `/profiles status <domain>`, and audits the
 * click; the answer goes only to the clicker, through the response_url of the message clicked.
 */
import { servedRef } from "../../domains/places.js";
import { domainStatus, keyCheckOf } from "../../domains/status.js";
import { asAppError } from "../../errors.js";
import { auditedRef, keyCheckStore, placeLabel, type SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { renderDomainStatus, renderKeyCheckRefused } from "../render/status.js";

export async function onKeyCheckAgain(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const read = servedRef(deps.targets, buttonValue(args) ?? "");
  if (!read.ok) {
    noteAudit(args.context, { outcome: "refused", detail: `malformed value: ${read.error}` });
    await args.respond({
      response_type: "ephemeral",
      replace_original: false,
      text: renderKeyCheckRefused(read.error),
    });
    return;
  }
  const { ref } = read;
  const domain = ref.domain;
  noteAudit(args.context, auditedRef(deps, ref));
  try {
    const actor = {
      type: "slack" as const,
      userId: args.body.user.id,
      teamId: args.body.team?.id ?? "",
    };
    const status = await domainStatus(deps.targets.gateways(ref, actor), ref);
    await keyCheckStore(deps).set(keyCheckOf(status));
    await args.respond({
      response_type: "ephemeral",
      replace_original: true,
      ...renderDomainStatus(status, placeLabel(deps, ref)),
    });
  } catch (err) {
    const e = asAppError(err);
    deps.log.warn({ err, code: e.code, userId: args.body.user.id, domain }, "key check failed");
    noteAudit(args.context, {
      outcome: e.code === "not_found" ? "refused" : "failed",
      detail: e.reason,
    });
    await args.respond({
      response_type: "ephemeral",
      replace_original: false,
      text: `:warning: ${e.userMessage}`,
    });
  }
}
