/**
 * Which Slack channel hears about a domain's dead-letter queue. Provisioning and
 * `/profiles alerts` write the binding; the DLQ digest job reads it.
 *
 * The binding must outlive Redis's data, so its home is a tag on the Customer Profiles
 * domain (`profiles-bot:channel`, docs/aws/customer-profiles.md), which teams can also set
 * from Terraform or CloudFormation. One Redis hash caches them all, so any number of bot and
 * worker processes read them without calling AWS; `TaggedBindingStore.rebuild` refreshes the
 * cache from the tags, at every reconcile and whenever the cache is missing.
 */

import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";

/** The tags the bot keeps on a domain: the digest's routing and its mute. */
export const DOMAIN_TAGS = {
  /** The Slack channel id (`C…`/`G…`) the domain's dead-letter digest goes to. */
  channel: "profiles-bot:channel",
  /** The Slack workspace (team) id of that channel; optional. */
  team: "profiles-bot:team",
  /** ISO-8601 time until which the digest's thread replies are held back. */
  mutedUntil: "profiles-bot:muted-until",
} as const;

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** What a domain's tags say about its digest; a malformed value counts as absent. */
function readDomainTags(tags: Record<string, string>): {
  channelId?: string;
  teamId?: string;
  mutedUntil?: number;
} {
  const channelId = tags[DOMAIN_TAGS.channel]?.trim();
  const teamId = tags[DOMAIN_TAGS.team]?.trim();
  const until = Date.parse(tags[DOMAIN_TAGS.mutedUntil] ?? "");
  return {
    ...(channelId && CHANNEL_ID.test(channelId) ? { channelId } : {}),
    ...(teamId ? { teamId } : {}),
    ...(Number.isFinite(until) ? { mutedUntil: until } : {}),
  };
}

/** The tags that hold a binding. */
const bindingTags = (b: Pick<AlertBinding, "channelId" | "teamId">) => ({
  [DOMAIN_TAGS.channel]: b.channelId,
  ...(b.teamId ? { [DOMAIN_TAGS.team]: b.teamId } : {}),
});

/** A domain's tags, read and written: the Customer Profiles gateway implements it. */
export interface DomainTagStore {
  /** Every domain with its tags. */
  listDomainTags(): Promise<{ domain: string; tags: Record<string, string> }[]>;
  /** Undefined when the domain does not exist. */
  domainTags(domain: string): Promise<Record<string, string> | undefined>;
  tagDomain(domain: string, tags: Record<string, string>): Promise<void>;
  untagDomain(domain: string, keys: string[]): Promise<void>;
}

export interface AlertBinding {
  domain: string;
  channelId: string;
  teamId: string;
  /** The DLQ the digest scans; absent when the domain has none yet. */
  queueUrl?: string;
  /** Slack user who enabled the domain. */
  boundBy: string;
  /** ISO time. */
  boundAt: string;
  /**
   * Set on a cached binding known to be held in the domain's tags. A cached binding without
   * it predates the tags (or was written straight to the cache): a rebuild copies it into the
   * tags rather than dropping it.
   */
  tagged?: boolean;
}

export interface BindingStore {
  get(domain: string): Promise<AlertBinding | undefined>;
  set(binding: AlertBinding): Promise<void>;
  /** Removes the binding only while it still points at `channelId`, when that is given. */
  remove(domain: string, channelId?: string): Promise<boolean>;
  list(): Promise<AlertBinding[]>;
  /** Refreshes a cache from the durable copy; stores without one leave it out. */
  rebuild?(): Promise<RebuiltBindings>;
}

export interface RebuiltBindings {
  bindings: AlertBinding[];
  /** Mutes the tags hold that have not run out yet (epoch ms). */
  mutes: { domain: string; until: number }[];
  /** Cached bindings copied into tags, and cached bindings dropped because their tag went. */
  migrated: string[];
  dropped: string[];
}

/** `{profiles}:alert-bindings`: under the configured prefix, so one hash tag covers it. */
export const bindingsKey = (prefix: string): string => `${prefix}:alert-bindings`;

/** Compare-and-delete in one step, so a binding someone re-pointed meanwhile survives. */
const REMOVE_IF_CHANNEL = `
local current = redis.call("HGET", KEYS[1], ARGV[1])
if not current then return 0 end
if ARGV[2] ~= "" then
  local ok, decoded = pcall(cjson.decode, current)
  if not ok or decoded.channelId ~= ARGV[2] then return 0 end
end
return redis.call("HDEL", KEYS[1], ARGV[1])
`;

const parse = (raw: string | null | undefined): AlertBinding | undefined => {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as AlertBinding;
  } catch {
    return undefined;
  }
};

export class RedisBindingStore implements BindingStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = bindingsKey(prefix);
  }

  async get(domain: string): Promise<AlertBinding | undefined> {
    return parse(await this.redis.hget(this.key, domain));
  }

  async set(binding: AlertBinding): Promise<void> {
    await this.redis.hset(this.key, binding.domain, JSON.stringify(binding));
  }

  async remove(domain: string, channelId?: string): Promise<boolean> {
    const removed = await this.redis.eval(REMOVE_IF_CHANNEL, 1, this.key, domain, channelId ?? "");
    return Number(removed) > 0;
  }

  async list(): Promise<AlertBinding[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all).flatMap((raw) => parse(raw) ?? []);
  }
}

export class MemoryBindingStore implements BindingStore {
  private readonly bindings = new Map<string, AlertBinding>();

  async get(domain: string): Promise<AlertBinding | undefined> {
    const found = this.bindings.get(domain);
    return found ? { ...found } : undefined;
  }

  async set(binding: AlertBinding): Promise<void> {
    this.bindings.set(binding.domain, { ...binding });
  }

  async remove(domain: string, channelId?: string): Promise<boolean> {
    const current = this.bindings.get(domain);
    if (!current || (channelId !== undefined && current.channelId !== channelId)) return false;
    return this.bindings.delete(domain);
  }

  async list(): Promise<AlertBinding[]> {
    return [...this.bindings.values()].map((b) => ({ ...b }));
  }
}

/** Where restored mutes go: the digest store (src/dlq/digests.ts). */
export interface MuteSink {
  setMute(domain: string, until: number | undefined): Promise<void>;
}

/** `{profiles}:alert-bindings:rebuilt-at`: present while the cache holds a rebuild from the tags. */
export const bindingsRebuiltKey = (prefix: string): string => `${prefix}:alert-bindings:rebuilt-at`;

/**
 * Bindings held in the domains' tags and cached in Redis. Writes go to the tags first, so
 * a binding the cache shows is one a rebuild would find again. Reads come from the cache;
 * when Redis has lost it (no rebuild marker), the first read rebuilds it from the tags.
 */
export class TaggedBindingStore implements BindingStore {
  private readonly cache: RedisBindingStore;
  private readonly rebuiltKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly tags: DomainTagStore,
    private readonly opts: { mutes?: MuteSink; log?: Logger; now?: () => number } = {},
  ) {
    this.cache = new RedisBindingStore(redis, prefix);
    this.rebuiltKey = bindingsRebuiltKey(prefix);
  }

  async get(domain: string): Promise<AlertBinding | undefined> {
    await this.warm();
    return this.cache.get(domain);
  }

  async list(): Promise<AlertBinding[]> {
    await this.warm();
    return this.cache.list();
  }

  async set(binding: AlertBinding): Promise<void> {
    await this.tags.tagDomain(binding.domain, bindingTags(binding));
    await this.cache.set({ ...binding, tagged: true });
  }

  /** Removes the routing tags and the mute with it; the domain itself is left alone. */
  async remove(domain: string, channelId?: string): Promise<boolean> {
    const tags = await this.tags.domainTags(domain);
    const tagged = tags ? readDomainTags(tags).channelId : undefined;
    // Re-pointed meanwhile (by someone else, or in Terraform): not ours to remove.
    if (channelId !== undefined && tagged !== undefined && tagged !== channelId) return false;
    if (tags) {
      const keys = Object.values(DOMAIN_TAGS).filter((k) => tags[k] !== undefined);
      await this.tags.untagDomain(domain, keys);
    }
    const removed = await this.cache.remove(domain, channelId);
    return removed || tagged !== undefined;
  }

  /**
   * Makes the cache match the tags: a tagged channel wins over the cache; a cached binding
   * whose tag went (removed outside the bot) is dropped; a cached binding never tagged is
   * copied into the tags. Bindings of domains AWS does not list are left as they are.
   * The cache is read before the tags, so a binding written meanwhile (tag first) is never
   * mistaken for one whose tag went.
   */
  async rebuild(): Promise<RebuiltBindings> {
    const now = this.opts.now?.() ?? Date.now();
    const cached = new Map((await this.cache.list()).map((b) => [b.domain, b]));
    const domains = await this.tags.listDomainTags();
    const result: RebuiltBindings = { bindings: [], mutes: [], migrated: [], dropped: [] };
    for (const { domain, tags } of domains) {
      const read = readDomainTags(tags);
      const was = cached.get(domain);
      if (read.mutedUntil !== undefined && read.mutedUntil > now) {
        result.mutes.push({ domain, until: read.mutedUntil });
        await this.opts.mutes?.setMute(domain, read.mutedUntil);
      }
      if (read.channelId) {
        if (was?.tagged && was.channelId === read.channelId) continue;
        const same = was?.channelId === read.channelId ? was : undefined;
        await this.cache.set({
          domain,
          channelId: read.channelId,
          teamId: read.teamId ?? was?.teamId ?? "",
          ...(same?.queueUrl ? { queueUrl: same.queueUrl } : {}),
          boundBy: same?.boundBy ?? `tag ${DOMAIN_TAGS.channel}`,
          boundAt: same?.boundAt ?? new Date(now).toISOString(),
          tagged: true,
        });
      } else if (was?.tagged) {
        await this.cache.remove(domain, was.channelId);
        result.dropped.push(domain);
      } else if (was) {
        try {
          await this.tags.tagDomain(domain, bindingTags(was));
          await this.cache.set({ ...was, tagged: true });
          result.migrated.push(domain);
        } catch (err) {
          this.opts.log?.warn(
            { domain, err: (err as Error).message },
            "could not copy a cached digest binding into the domain's tags; it stays in Redis only",
          );
        }
      }
    }
    await this.redis.set(this.rebuiltKey, new Date(now).toISOString());
    result.bindings = await this.cache.list();
    return result;
  }

  /** Whether the cache holds a rebuild from the tags (false after Redis lost its data). */
  async warmed(): Promise<boolean> {
    return (await this.redis.exists(this.rebuiltKey)) === 1;
  }

  private async warm(): Promise<void> {
    if (await this.warmed()) return;
    try {
      await this.rebuild();
    } catch (err) {
      // AWS unreachable: answer from what the cache still has; the next read tries again.
      this.opts.log?.warn(
        { err: (err as Error).message },
        "could not rebuild the digest bindings from the domains' tags",
      );
    }
  }
}
