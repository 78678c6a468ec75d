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
    if (groupIds.length === 0) return [];
    // One round trip for every group's cached members, on the path of a Slack request's ack;
    // only the groups missing from the cache are read from Slack, side by side.
    const cached = await this.redis.mget(...groupIds.map((g) => this.key(g)));
    const members = await Promise.all(
      groupIds.map((group, i) => {
        const hit = cached[i];
        return hit ? (JSON.parse(hit) as string[]) : this.refresh(group);
      }),
    );
    return groupIds.filter((_, i) => members[i]?.includes(userId));
  }

  private key(group: string): string {
    return `${this.prefix}:usergroup:${group}`;
  }

  private async refresh(group: string): Promise<string[]> {
    const users = await this.readMembers(group);
    await this.redis.set(this.key(group), JSON.stringify(users), "EX", this.ttlSeconds);
    return users;
  }
}

export class StaticGroupDirectory implements GroupDirectory {
  constructor(private readonly groups: Record<string, string[]> = {}) {}
  async groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]> {
    return groupIds.filter((g) => this.groups[g]?.includes(userId));
  }
}
