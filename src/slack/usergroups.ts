/** The Slack side of the role directory: a user group's members, from usergroups.users.list. */
import type { WebClient } from "@slack/web-api";
import type { GroupMembersReader } from "../access/directory.js";

export const slackGroupMembers =
  (client: WebClient): GroupMembersReader =>
  async (usergroup) =>
    (await client.usergroups.users.list({ usergroup })).users ?? [];
