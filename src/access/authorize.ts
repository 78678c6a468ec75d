/** The one authorisation check, used by the Slack middleware and again when a job starts. */

import type { GroupDirectory } from "./directory.js";
import type { Decision, Grants, Permission } from "./roles.js";
import { decide, roleOf } from "./roles.js";

export interface Access {
  grants: Grants;
  directory: GroupDirectory;
}

export async function authorize(
  access: Access,
  userId: string,
  permission: Permission,
): Promise<Decision> {
  const { admins, operators, viewers } = access.grants;
  const groupIds = [...admins, ...operators, ...viewers].filter((id) => id.startsWith("S"));
  const groups = groupIds.length ? await access.directory.groupsOf(userId, groupIds) : [];
  return decide(roleOf(userId, groups, access.grants), permission);
}
