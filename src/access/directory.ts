/**
 * User group membership, read from Slack and cached briefly in Redis, so a role granted
 * to a group follows its members without a restart.
 */
import type { Redis } from "../redis.js";

/** Reads a user group's members from the chat platform (Slack's usergroups.users.list). */
export type GroupMembersReader = (groupId: string) => Promise<string[]>;

export interface GroupDirectory {
  /** Which of `groupIds` the user belongs to. */
  groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]>;
}

export class CachedGroupDirectory implements GroupDirectory {
  constructor(
    private readonly readMembers: GroupMembersReader,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 60,
  ) {}

  async groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const group of groupIds) {
      if ((await this.members(group)).includes(userId)) out.push(group);
    }
    return out;
  }

  private async members(group: string): Promise<string[]> {
    const key = `${this.prefix}:usergroup:${group}`;
    const cached = await this.redis.get(key);
    if (cached) return JSON.parse(cached) as string[];
    const users = await this.readMembers(group);
    await this.redis.set(key, JSON.stringify(users), "EX", this.ttlSeconds);
    return users;
  }
}

export class StaticGroupDirectory implements GroupDirectory {
  constructor(private readonly groups: Record<string, string[]> = {}) {}
  async groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]> {
    return groupIds.filter((g) => this.groups[g]?.includes(userId));
  }
}
