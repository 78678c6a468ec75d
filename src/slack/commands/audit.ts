/** `/profiles audit [domain]`: the latest audit entries, to admins (the guard checks). */
import { renderAudit } from "../render/audit.js";
import type { Subcommand } from "./subcommand.js";

export const auditSubcommand: Subcommand = {
  name: "audit",
  usage: "audit [domain]",
  summary: "Show who did what lately (admins).",
  permission: "audit",
  run: async ({ ack, argv, deps }) => {
    const target = argv[0];
    const entries = await deps.audit.latest({ target, limit: 30 });
    await ack({ response_type: "ephemeral", ...renderAudit(entries, target) });
  },
};
