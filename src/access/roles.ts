/**
 * Who may do what. Roles nest (admin ⊃ operator ⊃ viewer) and are granted only by
 * configuration, to Slack user ids and user group ids: nobody has a role by default.
 */
/** Slack user ids: U… (or W… on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | "enable"
  | "link"
  | "cleanup"
  | "discard"
  | "settings"
  | "doctor"
  | "mute"
  | "audit"
  | "reingest"
  | "inspect"
  | "status"
  | "digest";

export const REQUIRED_ROLE: Record<Permission, Role> = {
  enable: "admin",
  link: "admin",
  cleanup: "admin",
  discard: "admin",
  settings: "admin",
  doctor: "admin",
  mute: "admin",
  audit: "admin",
  reingest: "operator",
  inspect: "operator",
  status: "viewer",
  digest: "viewer",
};

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const roleAtLeast = (role: Role | undefined, needed: Role) =>
  role !== undefined && RANK[role] >= RANK[needed];

export interface Grants {
  admins: string[];
  operators: string[];
  viewers: string[];
}

/** Env variable that grants each role, for refusal messages. */
export const GRANT_VARIABLE: Record<Role, string> = {
  admin: "PROFILES_ADMINS",
  operator: "PROFILES_OPERATORS",
  viewer: "PROFILES_VIEWERS",
};

/** The highest role granted to the user directly or through one of their user groups. */
export function roleOf(
  userId: string,
  groupsOfUser: readonly string[],
  grants: Grants,
): Role | undefined {
  const ids = new Set([userId, ...groupsOfUser]);
  const has = (list: string[]) => list.some((id) => ids.has(id));
  if (has(grants.admins)) return "admin";
  if (has(grants.operators)) return "operator";
  if (has(grants.viewers)) return "viewer";
  return undefined;
}

export type Decision =
  | { allowed: true; role: Role }
  | { allowed: false; role: Role | undefined; needed: Role; message: string };

const WHAT: Record<Permission, string> = {
  enable: "Enabling Customer Profiles",
  link: "Linking an instance",
  cleanup: "Cleaning up provisioned resources",
  discard: "Discarding dead-letter messages",
  settings: "Changing settings",
  doctor: "Running the preflight checks (doctor)",
  mute: "Muting a digest",
  audit: "Reading the audit trail",
  reingest: "Re-ingesting dead-letter messages",
  inspect: "Inspecting dead-letter samples",
  status: "Reading domain status",
  digest: "Reading digests",
};

export function decide(role: Role | undefined, permission: Permission): Decision {
  const needed = REQUIRED_ROLE[permission];
  if (roleAtLeast(role, needed)) return { allowed: true, role: role as Role };
  const yours = role ? `You have the ${role} role.` : "You have no profiles-bot role.";
  return {
    allowed: false,
    role,
    needed,
    message: `${WHAT[permission]} needs the ${needed} role. ${yours} An admin of this bot grants it by adding you, or a user group you are in, to ${GRANT_VARIABLE[needed]}.`,
  };
}
