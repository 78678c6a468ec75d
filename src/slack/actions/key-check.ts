/**
 * "Check again" under a domain's KMS key in a `/profiles status` answer: reads the key's policy
 * again and replaces the answer with the domain's status as it is now.
 *
 * The value is untrusted: it carries only a domain name, read with the wizard's own rule, and
 * nothing is bound to it because nothing changes. The guard has authorised the clicker for
 * `status` (viewer) afresh, exactly as for typing `/profiles status <domain>`, and audits the
 * click; the answer goes only to the clicker, through the response_url of the message clicked.
 */
import { domainStatus, keyCheckOf } from "../../domains/status.js";
import { validateDomainName } from "../../enable/names.js";
import { asAppError } from "../../errors.js";
import { keyCheckStore, type SlackDeps } from "../deps.js";
import { type ActionArgs, buttonValue } from "../entries.js";
import { noteAudit } from "../middleware/guard.js";
import { renderDomainStatus, renderKeyCheckRefused } from "../render/status.js";

export async function onKeyCheckAgain(args: ActionArgs, deps: SlackDeps): Promise<void> {
  await args.ack();
  const name = validateDomainName(buttonValue(args) ?? "");
  if (!name.ok) {
    noteAudit(args.context, { outcome: "refused", detail: `malformed value: ${name.error}` });
    await args.respond({
      response_type: "ephemeral",
      replace_original: false,
      text: renderKeyCheckRefused(name.error),
    });
    return;
  }
  const domain = name.value;
  noteAudit(args.context, { target: domain });
  try {
    const status = await domainStatus(deps.gateways, domain);
    await keyCheckStore(deps).set(keyCheckOf(status));
    await args.respond({
      response_type: "ephemeral",
      replace_original: true,
      ...renderDomainStatus(status),
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
