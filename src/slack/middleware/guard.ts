/**
 * The one place every Slack request is authorised and audited, before any listener runs.
 * It finds what is being asked (a subcommand, an action_id or a view's callback_id), the
 * permission that needs (from the subcommand list and the entry table), and the caller's
 * role; refuses with a sentence saying which role is needed and who grants it; and after the
 * listener has run, appends exactly one audit entry (listeners add the target, parameters,
 * job id, and a refusal or failure with its reason, with `noteAudit`). Every refusal is
 * audited, with its reason: no valid user, a channel off the list, a missing role.
 */
import { parse as parseQuery } from "node:querystring";
import type { AnyMiddlewareArgs, Context, Middleware } from "@slack/bolt";
import { type Access, authorize } from "../../access/authorize.js";
import { SLACK_USER_ID } from "../../access/roles.js";
import type { AuditEntry, AuditLog, AuditOutcome } from "../../audit/audit.js";
import { type DomainRef, parseRefId, type Targets } from "../../aws/targets.js";
import { servedRef } from "../../domains/places.js";
import type { Logger } from "../../logger.js";
import { splitCommandText } from "../commands/subcommand.js";
import { type ActionArgs, buttonValue, type Requirement, type Rule } from "../entries.js";
import type { Notifier } from "../notifier/notifier.js";

/** What a listener tells the audit trail about the action it handled. */
export interface AuditNote {
  target?: string;
  /** For people: the account and region a domain-scoped action acted in. */
  place?: string;
  params?: Record<string, unknown>;
  jobId?: string;
  outcome?: AuditOutcome;
  detail?: string;
  /** The listener already said in the thread who did what; the guard need not. */
  replied?: boolean;
}

/**
 * A button's domain reference, read as hostile text (it must name a place the bot serves);
 * undefined, with the refusal noted for the audit entry, when it does not.
 */
export function buttonRef(
  args: ActionArgs,
  targets: Pick<Targets, "targetOf">,
): DomainRef | undefined {
  const read = servedRef(targets, buttonValue(args) ?? "");
  if (read.ok) return read.ref;
  noteAudit(args.context, { outcome: "refused", detail: `malformed value: ${read.error}` });
  return undefined;
}

/** Adds to the audit entry the guard writes once the listener is done (none for public ids). */
export function noteAudit(context: Context, note: AuditNote): void {
  const current = context.audit as AuditNote | undefined;
  if (current) Object.assign(current, note);
}

/**
 * A subcommand whose arguments are refused: audited as refused with the reason, and the
 * domain as typed when the first word is one (not an option such as `--target`), then
 * answered with the sentence that says what to fix.
 */
export async function refuseArguments(
  args: {
    context: Context;
    ack: (answer: { response_type: "ephemeral"; text: string }) => Promise<void>;
  },
  argv: string[],
  refused: { refusal: string; reason: string },
): Promise<void> {
  const first = argv[0];
  const named = first && !first.startsWith("-") && !/^target:/i.test(first);
  noteAudit(args.context, {
    outcome: "refused",
    detail: refused.reason,
    ...(named && { target: first.slice(0, 100) }),
  });
  await args.ack({ response_type: "ephemeral", text: refused.refusal });
}

/** A domain's refId as people read it in a thread: the name, then the place. */
function readableTarget(note: AuditNote): string {
  const ref = note.target ? parseRefId(note.target) : undefined;
  if (!ref) return note.target ?? "";
  return note.place ? `${ref.domain} · ${note.place}` : ref.domain;
}

/** Looking is audited but not announced in the thread. */
const READ_ONLY = new Set<Requirement>(["inspect", "status", "digest"]);

export interface GuardOptions {
  access: Access;
  audit: AuditLog;
  notifier: Notifier;
  log: Logger;
  /** The subcommand list; a name that is not on it only shows help, so it needs no role. */
  subcommands: readonly { name: string; permission: Requirement }[];
  /** The entry table: action_id, callback_id or options id → what it needs. */
  rules: readonly Rule[];
  /** Channels where commands work; empty means everywhere. */
  channels: string[];
}

/** What an id not in the table needs: the admin role, so a new button is closed until listed. */
const UNLISTED = { permission: "settings", audited: true } as const;

type Ask = { kind: "command" | Rule["kind"]; id: string };

/** The permission and audit flag for a request, read from the subcommand list and the table. */
export function ruleBook(
  opts: Pick<GuardOptions, "subcommands" | "rules">,
): (ask: Ask) => Pick<Rule, "permission" | "audited"> {
  const subcommands = new Map(opts.subcommands.map((s) => [s.name, s]));
  const rules = new Map(opts.rules.map((r) => [`${r.kind}:${r.id}`, r]));
  return ({ kind, id }) => {
    if (kind !== "command") return rules.get(`${kind}:${id}`) ?? UNLISTED;
    // Not a subcommand: the dispatcher answers with the list, which anyone may read.
    return { permission: subcommands.get(id)?.permission ?? "public", audited: true };
  };
}

const NO_USER =
  "This request names no Slack user, so the bot can't tell who asked. Nothing was done.";

interface Request {
  kind: "command" | "action" | "view" | "options";
  id: string;
  userId?: string;
  teamId?: string;
  channelId?: string;
  label: string;
  thread?: { channel: string; ts: string };
}

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const obj = (v: unknown) => (v && typeof v === "object" ? (v as Body) : {});

function describe(body: Body): Request | undefined {
  const user = obj(body.user);
  const team = obj(body.team);
  if (typeof body.command === "string") {
    const sub = splitCommandText(str(body.text) ?? "").name;
    return {
      kind: "command",
      id: sub,
      userId: str(body.user_id),
      teamId: str(body.team_id),
      channelId: str(body.channel_id),
      label: `${body.command} ${sub}`,
    };
  }
  switch (body.type) {
    case "block_actions": {
      const action = obj((body.actions as unknown[])?.[0]);
      const message = obj(body.message);
      const channel = str(obj(body.channel).id);
      const ts = str(message.thread_ts) ?? str(message.ts);
      return {
        kind: "action",
        id: str(action.action_id) ?? "",
        userId: str(user.id),
        teamId: str(team.id),
        channelId: channel,
        label: str(obj(action.text).text) ?? str(action.action_id) ?? "a button",
        thread: channel && ts ? { channel, ts } : undefined,
      };
    }
    case "view_submission":
    case "view_closed":
      return {
        kind: "view",
        id: str(obj(body.view).callback_id) ?? "",
        userId: str(user.id),
        teamId: str(team.id),
        label: str(obj(obj(body.view).title).text) ?? "a form",
      };
    case "block_suggestion":
      return {
        kind: "options",
        id: str(body.action_id) ?? "",
        userId: str(user.id),
        label: "options",
      };
    default:
      return undefined;
  }
}

/** How the audit trail names a request's action: its kind and id (at most 100 characters). */
const actionName = (req: Request): string => `${req.kind}:${req.id.slice(0, 100)}`;

/** The audit entry for a request refused before any listener ran, for `userId` and why. */
const refusedEntry = (req: Request, userId: string, detail: string): AuditEntry => ({
  at: new Date().toISOString(),
  userId,
  teamId: req.teamId,
  action: actionName(req),
  outcome: "refused",
  detail,
});

export function guard(opts: GuardOptions): Middleware<AnyMiddlewareArgs> {
  const ruleOf = ruleBook(opts);
  const write = (entry: AuditEntry) =>
    opts.audit
      .record(entry)
      .catch((err) => opts.log.error({ err }, "could not write an audit entry"));
  return async (args) => {
    const { next, context } = args;
    const body = args.body as unknown as Body;
    const req = describe(body);
    // Events (App Home) carry their user inside the event; every other request names one.
    if (!req) return next();
    if (!req.userId || !SLACK_USER_ID.test(req.userId)) {
      // Deny by default has no exception: nobody named means nobody authorised.
      const audited = write(refusedEntry(req, "(none)", "the request names no valid Slack user"));
      await refuse(args, req, NO_USER);
      await audited;
      return;
    }
    const rule = ruleOf({ kind: req.kind, id: req.id });
    const requirement = rule.permission;
    if (
      req.kind === "command" &&
      opts.channels.length &&
      req.channelId &&
      !opts.channels.includes(req.channelId)
    ) {
      const where = opts.channels.map((c) => `<#${c}>`).join(", ");
      const audited = write({
        ...refusedEntry(
          req,
          req.userId,
          `the channel ${req.channelId} is not in PROFILES_CHANNELS`,
        ),
        target: req.channelId,
      });
      await refuse(args, req, `profiles-bot works in ${where}; this channel is not on its list.`);
      await audited;
      return;
    }
    if (requirement === "public") return next();

    const decision = await authorize(opts.access, req.userId, requirement);
    const started = Date.now();
    const note: AuditNote = {};
    context.audit = note;
    const record = (outcome: AuditOutcome, detail?: string) =>
      write({
        at: new Date(started).toISOString(),
        userId: req.userId as string,
        teamId: req.teamId,
        role: decision.role,
        action: actionName(req),
        target: note.target,
        ...(note.place && { place: note.place }),
        params: note.params as Record<string, string>,
        outcome,
        durationMs: Date.now() - started,
        jobId: note.jobId,
        detail: detail ?? note.detail,
      });

    if (!decision.allowed) {
      // Options requests are refused too: deny by default leaves no request unaudited.
      const audited = record("refused", decision.message);
      await refuse(args, req, decision.message);
      await audited;
      return;
    }
    if (req.kind === "options" || !rule.audited) return next();
    try {
      await next();
    } catch (err) {
      await record("failed", (err as Error).message);
      throw err;
    }
    await record(note.outcome ?? "succeeded");
    const changesSomething = !READ_ONLY.has(requirement);
    if (
      req.kind === "action" &&
      req.thread &&
      changesSomething &&
      note.outcome !== "refused" &&
      !note.replied
    ) {
      const what = note.target ? `${req.label} (${readableTarget(note)})` : req.label;
      void opts.notifier
        .post(req.thread.channel, {
          text: `<@${req.userId}> clicked ${what}.`,
          threadTs: req.thread.ts,
        })
        .catch((err) => opts.log.warn({ err }, "could not post the audit reply"));
    }
  };
}

/**
 * Audits a signed request our HTTP server refused before Bolt saw it, for a reason of its
 * own (the replay check could not reach Redis): the caller, the action and the reason, as a
 * refusal by the guard would be. The body is parsed as Bolt would; an unreadable one is not
 * audited (it never named anyone), and a request without a valid user id counts as "(none)".
 */
export function auditRefusedRequest(audit: AuditLog, log: Logger) {
  const record = async (raw: Buffer, contentType: string | undefined, reason: string) => {
    const req = describe(parseBody(raw, contentType));
    if (!req) return;
    const named = req.userId && SLACK_USER_ID.test(req.userId) ? req.userId : "(none)";
    await audit.record(refusedEntry(req, named, reason));
  };
  // Never rejects: the HTTP server has answered already and does not wait for this.
  return (raw: Buffer, contentType: string | undefined, reason: string): Promise<void> =>
    record(raw, contentType, reason).catch((err) =>
      log.error({ err }, "could not write an audit entry"),
    );
}

/** A slash command's form, or an interactive request's `payload`; {} when neither. */
function parseBody(raw: Buffer, contentType: string | undefined): Body {
  if (contentType !== "application/x-www-form-urlencoded") return {};
  const form = parseQuery(raw.toString());
  if (typeof form.payload !== "string") return form as Body;
  try {
    return obj(JSON.parse(form.payload));
  } catch {
    return {};
  }
}

async function refuse(args: AnyMiddlewareArgs, req: Request, message: string): Promise<void> {
  const text = `:no_entry: ${message}`;
  const a = args as unknown as {
    ack?: (r?: unknown) => Promise<void>;
    respond?: (r: unknown) => Promise<unknown>;
  };
  if (req.kind === "command") return a.ack?.({ response_type: "ephemeral", text });
  if (req.kind === "options") return a.ack?.({ options: [] });
  if (req.kind === "view") {
    return a.ack?.({
      response_action: "update",
      view: {
        type: "modal",
        title: { type: "plain_text", text: "Not allowed" },
        close: { type: "plain_text", text: "Close" },
        blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
      },
    });
  }
  await a.ack?.();
  await a.respond?.({ response_type: "ephemeral", replace_original: false, text }).catch(() => {});
}
