/**
 * User-group membership cached in Redis: the cached groups come back in one round trip, only
 * the groups missing from the cache are read from Slack, and membership follows the members
 * each group has.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, testPrefix } from "../../sandbox/stack.js";
import { CachedGroupDirectory } from "../../src/access/directory.js";
import { loadConfig } from "../../src/config.js";
import { createRedis, type Redis } from "../../src/redis.js";

const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", ROLE: "worker" });
const prefix = testPrefix();
let redis: Redis;
beforeAll(() => {
  redis = createRedis(config, "client");
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(config, prefix);
});

const GROUPS: Record<string, string[]> = {
  S0ADMINS: ["U0ANN", "U0BOB"],
  S0OPS: ["U0BOB"],
  S0EMPTY: [],
};

describe("CachedGroupDirectory", () => {
  it("reads each group from Slack once, then from the cache, and answers the user's groups", async () => {
    const reads: string[] = [];
    const directory = new CachedGroupDirectory(
      async (group) => {
        reads.push(group);
        return GROUPS[group] ?? [];
      },
      redis,
      prefix,
    );
    const all = Object.keys(GROUPS);
    expect(await directory.groupsOf("U0BOB", all)).toEqual(["S0ADMINS", "S0OPS"]);
    expect(reads.sort()).toEqual([...all].sort());

    expect(await directory.groupsOf("U0ANN", all)).toEqual(["S0ADMINS"]);
    expect(await directory.groupsOf("U0NOBODY", all)).toEqual([]);
    expect(reads).toHaveLength(all.length);

    // A group gone from the cache (expired) is read again, and only that one.
    await redis.del(`${prefix}:usergroup:S0OPS`);
    expect(await directory.groupsOf("U0BOB", all)).toEqual(["S0ADMINS", "S0OPS"]);
    expect(reads.filter((g) => g === "S0OPS")).toHaveLength(2);
    expect(reads).toHaveLength(all.length + 1);
  });

  it("asks nothing when no group is granted a role", async () => {
    const directory = new CachedGroupDirectory(
      async () => {
        throw new Error("no group should be read");
      },
      redis,
      `${prefix}-none`,
    );
    expect(await directory.groupsOf("U0ANN", [])).toEqual([]);
  });
});
