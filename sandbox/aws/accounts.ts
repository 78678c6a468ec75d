/**
 * Several AWS accounts: IAM roles with trust policies, the STS sessions AssumeRole hands out,
 * and who signed each request. A request's account comes from its access key id: a key
 * AssumeRole issued maps to the role's account and session; every other key (the tests'
 * `test`, an `AKIA…` key, an unsigned request) is the default account 111122223333, whose
 * caller is `identityState(state).callerArn`. Roles, sessions and the AssumeRole log are
 * kept in the state (`iam`, `sts`), so a saved state keeps them.
 */
import { randomBytes } from "node:crypto";
import { evaluate } from "./policy.js";
import { ACCOUNT_ID, type EmulatorState } from "./state.js";
import { AwsError, type Caller } from "./types.js";

/** An IAM role: who may assume it (its trust policy) and for how long at most. */
export interface Role {
  arn: string;
  /** AROA…: the unique id AWS gives a role, the first half of a session's user id. */
  roleId: string;
  /** The trust policy document, as a JSON string. */
  trustPolicy: string;
  /** Seconds, 3600 to 43200; AssumeRole may not ask for more. */
  maxSessionDuration: number;
}

/** Temporary credentials AssumeRole issued, by access key id. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  sessionName: string;
  /** Epoch ms after which requests signed with them are refused. */
  expiration: number;
}

/** One AssumeRole call, allowed or refused: for tests that check the session name the bot used. */
export interface AssumeRoleRecord {
  at: number;
  callerArn: string;
  roleArn: string;
  roleSessionName: string;
  externalIdGiven: boolean;
  durationSeconds: number;
  outcome: "allowed" | "denied";
}

interface AccountsState {
  iam: { roles: Record<string, Role> };
  sts: { sessions: Record<string, Session>; assumed: AssumeRoleRecord[] };
}

/** The log keeps the latest calls only, so a long-running sandbox's state stays small. */
const KEPT_RECORDS = 1000;

export function accountsState(root: EmulatorState): AccountsState {
  const holder = root as EmulatorState & Partial<AccountsState>;
  holder.iam ??= { roles: {} };
  holder.iam.roles ??= {};
  holder.sts ??= { sessions: {}, assumed: [] };
  holder.sts.sessions ??= {};
  holder.sts.assumed ??= [];
  return holder as AccountsState;
}

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** AWS's id alphabet: upper-case letters and digits. */
function idOf(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return prefix + Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}

export class RoleInputError extends Error {}

/** Adds or replaces a role; the trust policy must be a JSON object with a Statement. */
export function putRole(
  root: EmulatorState,
  input: { arn: string; trustPolicy: string | object; maxSessionDuration?: number },
): Role {
  if (!ROLE_ARN.test(input.arn)) {
    throw new RoleInputError(
      `arn must be a role's ARN, arn:aws:iam::<12-digit account>:role/<name> (got ${String(input.arn).slice(0, 200)})`,
    );
  }
  const policy =
    typeof input.trustPolicy === "string" ? parseObject(input.trustPolicy) : input.trustPolicy;
  if (!policy || !("Statement" in policy)) {
    throw new RoleInputError("trustPolicy must be a policy document: a JSON object with Statement");
  }
  const max = input.maxSessionDuration ?? 3600;
  if (!Number.isInteger(max) || max < 3600 || max > 43200) {
    throw new RoleInputError("maxSessionDuration must be whole seconds from 3600 to 43200");
  }
  const { roles } = accountsState(root).iam;
  const role: Role = {
    arn: input.arn,
    roleId: roles[input.arn]?.roleId ?? idOf("AROA", 17),
    trustPolicy: JSON.stringify(policy),
    maxSessionDuration: max,
  };
  roles[input.arn] = role;
  return role;
}

function parseObject(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A trust policy that lets `account` (its root: any principal its IAM allows) in with `externalId`. */
export function trustAccount(account: string, externalId?: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "sts:AssumeRole",
        ...(externalId ? { Condition: { StringEquals: { "sts:ExternalId": externalId } } } : {}),
      },
    ],
  };
}

const DEFAULT_CALLER_ARN = `arn:aws:iam::${ACCOUNT_ID}:user/profiles-bot`;

export interface IdentityState {
  /** Who GetCallerIdentity says the default account's caller is. */
  callerArn: string;
  /**
   * IAM actions ("sqs:ListQueues", "iam:SimulatePrincipalPolicy") SimulatePrincipalPolicy
   * reports as not allowed, and with "iam:SimulatePrincipalPolicy" the call itself is refused.
   */
  deniedActions: string[];
}

/** Kept in the state file under `identity`, shared by sts.ts and iam.ts. */
export function identityState(state: EmulatorState): IdentityState {
  const holder = state as EmulatorState & { identity?: Partial<IdentityState> };
  holder.identity ??= {};
  holder.identity.callerArn ??= DEFAULT_CALLER_ARN;
  holder.identity.deniedActions ??= [];
  return holder.identity as IdentityState;
}

/** A stable made-up unique id, as AWS gives users (AIDA…) and role sessions (AROA…:name). */
function userIdOf(arn: string): string {
  const session = /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1];
  return session ? `AROAEXAMPLEPROFILES:${session}` : "AIDAEXAMPLEPROFILESBOT";
}

const sessionArn = (role: string, session: string) => {
  const [, account, name] = ROLE_ARN.exec(role) as RegExpExecArray;
  return `arn:aws:sts::${account}:assumed-role/${name}/${session}`;
};

/** How a protocol spells the two refusals of bad credentials (Query APIs vs JSON ones). */
const QUERY_PROTOCOL = new Set(["sts", "iam"]);

/** Who signed a request with `accessKeyId` (undefined when unsigned). */
export function callerOf(root: EmulatorState, accessKeyId: string | undefined): Caller {
  const session = accessKeyId ? accountsState(root).sts.sessions[accessKeyId] : undefined;
  if (!session) {
    const arn = identityState(root).callerArn;
    return { account: ACCOUNT_ID, arn, userId: userIdOf(arn) };
  }
  const role = accountsState(root).iam.roles[session.roleArn];
  return {
    account: (ROLE_ARN.exec(session.roleArn) as RegExpExecArray)[1] as string,
    arn: sessionArn(session.roleArn, session.sessionName),
    userId: `${role?.roleId ?? "AROAEXAMPLEPROFILES"}:${session.sessionName}`,
    roleArn: session.roleArn,
  };
}

/**
 * Why a request's credentials are refused, as AWS words it, or undefined: session credentials
 * must come with their session token and be unexpired; other keys are never checked.
 */
export function credentialsProblem(
  root: EmulatorState,
  accessKeyId: string | undefined,
  securityToken: string | undefined,
  now: number,
  service: string,
): AwsError | undefined {
  const session = accessKeyId ? accountsState(root).sts.sessions[accessKeyId] : undefined;
  if (!session) return undefined;
  const query = QUERY_PROTOCOL.has(service);
  if (securityToken !== session.sessionToken) {
    return new AwsError(
      query ? "InvalidClientTokenId" : "UnrecognizedClientException",
      "The security token included in the request is invalid.",
      403,
    );
  }
  if (now >= session.expiration) {
    return new AwsError(
      query ? "ExpiredToken" : "ExpiredTokenException",
      "The security token included in the request is expired",
      400,
    );
  }
  return undefined;
}

export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  durationSeconds?: number;
}

/** AWS's ValidationError: "N validation error(s) detected: …; …". */
function validationError(problems: string[]): AwsError {
  const n = problems.length;
  return new AwsError(
    "ValidationError",
    `${n} validation error${n === 1 ? "" : "s"} detected: ${problems.join("; ")}`,
    400,
  );
}

const constraint = (value: string, member: string, rule: string) =>
  `Value '${value}' at '${member}' failed to satisfy constraint: Member must ${rule}`;

/** The checks STS's model makes on AssumeRole's members, with STS's wording. */
function validate(input: AssumeRoleInput): void {
  const problems: string[] = [];
  const text = (
    value: string | undefined,
    member: string,
    min: number,
    max: number,
    pattern?: RegExp,
    patternText?: string,
  ) => {
    if (value === undefined) return;
    if (value.length < min)
      problems.push(constraint(value, member, `have length greater than or equal to ${min}`));
    if (value.length > max)
      problems.push(constraint(value, member, `have length less than or equal to ${max}`));
    if (pattern && !pattern.test(value)) {
      problems.push(
        constraint(value, member, `satisfy regular expression pattern: ${patternText}`),
      );
    }
  };
  text(input.roleArn, "roleArn", 20, 2048);
  text(input.roleSessionName, "roleSessionName", 2, 64, /^[\w+=,.@-]*$/, "[\\w+=,.@-]*");
  text(input.externalId, "externalId", 2, 1224, /^[\w+=,.@:/-]*$/, "[\\w+=,.@:\\/-]*");
  const duration = input.durationSeconds;
  if (duration !== undefined) {
    if (duration < 900)
      problems.push(
        constraint(String(duration), "durationSeconds", "have value greater than or equal to 900"),
      );
    if (duration > 43200)
      problems.push(
        constraint(String(duration), "durationSeconds", "have value less than or equal to 43200"),
      );
  }
  if (problems.length > 0) throw validationError(problems);
}

/**
 * STS AssumeRole: the role must exist and its trust policy allow the caller (principal, and
 * conditions on sts:ExternalId, aws:PrincipalAccount, …); a role that does not exist is
 * refused with the same words as one that does not trust the caller, as STS does. Every
 * call that gets past validation is recorded.
 */
export function assumeRole(
  root: EmulatorState,
  caller: Caller,
  input: AssumeRoleInput,
  now: number,
): { session: Session; arn: string; assumedRoleId: string } {
  validate(input);
  const state = accountsState(root);
  const role = state.iam.roles[input.roleArn];
  const duration = input.durationSeconds ?? 3600;
  const context: Record<string, string> = {
    "aws:PrincipalAccount": caller.account,
    "aws:PrincipalArn": caller.roleArn ?? caller.arn,
    "sts:RoleSessionName": input.roleSessionName,
    ...(input.externalId !== undefined ? { "sts:ExternalId": input.externalId } : {}),
  };
  const allowed =
    role !== undefined &&
    evaluate(role.trustPolicy, {
      action: "sts:AssumeRole",
      resource: role.arn,
      context,
      awsPrincipal: {
        account: caller.account,
        arns: [caller.arn, ...(caller.roleArn ? [caller.roleArn] : [])],
      },
    }) === "allowed";
  state.sts.assumed.push({
    at: now,
    callerArn: caller.arn,
    roleArn: input.roleArn,
    roleSessionName: input.roleSessionName,
    externalIdGiven: input.externalId !== undefined,
    durationSeconds: duration,
    outcome: allowed ? "allowed" : "denied",
  });
  state.sts.assumed.splice(0, Math.max(0, state.sts.assumed.length - KEPT_RECORDS));
  if (!role || !allowed) {
    throw new AwsError(
      "AccessDenied",
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`,
      403,
    );
  }
  // Role chaining (a session assuming a role) is capped at an hour, whatever the role allows.
  const max = caller.roleArn ? 3600 : role.maxSessionDuration;
  if (duration > max) {
    throw new AwsError(
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      400,
    );
  }
  // Sessions are forgotten a day after they expire: until then their key still gets ExpiredToken.
  for (const [id, old] of Object.entries(state.sts.sessions)) {
    if (old.expiration + 86_400_000 <= now) delete state.sts.sessions[id];
  }
  const session: Session = {
    accessKeyId: idOf("ASIA", 16),
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `FwoGZXIvYXdzE${randomBytes(96).toString("base64")}`,
    roleArn: role.arn,
    sessionName: input.roleSessionName,
    expiration: now + duration * 1000,
  };
  state.sts.sessions[session.accessKeyId] = session;
  return {
    session,
    arn: sessionArn(role.arn, input.roleSessionName),
    assumedRoleId: `${role.roleId}:${input.roleSessionName}`,
  };
}
