/**
 * Which Slack channel hears about a domain's dead-letter queue. Provisioning and
 * `/profiles alerts` write the binding; the DLQ digest job reads it.
 *
 * The binding must outlive Redis's data, so its home is a tag on the Customer Profiles
 * domain (`profiles-bot:channel`, docs/aws/customer-profiles.md), which teams can also set
 * from Terraform or CloudFormation. One Redis hash caches them all, so any number of bot and
 * worker processes read them without calling AWS; `TaggedBindingStore.rebuild` refreshes the
 * cache from the tags, at every reconcile and whenever the cache is missing.
 *
 * A binding belongs to a domain in one account and region (a DomainRef): the tag sits on the
 * domain in its own account, the cache's field is the domain's `refId`, and a rebuild lists
 * the domains of every place the bot serves. A place whose domains can't be listed (its role
 * can't be assumed, its region is down) keeps its cached bindings until it answers again.
 */
import {
  type DomainRef,
  type Place,
  parseRefId,
  placeId,
  refId,
  type Targets,
} from "../aws/targets.js";
import type { Actor } from "../context.js";
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

export interface AlertBinding extends DomainRef {
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
  get(ref: DomainRef): Promise<AlertBinding | undefined>;
  set(binding: AlertBinding): Promise<void>;
  /** Removes the binding only while it still points at `channelId`, when that is given. */
  remove(ref: DomainRef, channelId?: string): Promise<boolean>;
  /** Every place's bindings. */
  list(): Promise<AlertBinding[]>;
  /** Refreshes a cache from the durable copy; stores without one leave it out. */
  rebuild?(): Promise<RebuiltBindings>;
}

export interface RebuiltBindings {
  bindings: AlertBinding[];
  /** Mutes the tags hold that have not run out yet (epoch ms). */
  mutes: { ref: DomainRef; until: number }[];
  /** Cached bindings copied into tags, and cached bindings dropped because their tag went (refIds). */
  migrated: string[];
  dropped: string[];
  /** Places whose domains could not be listed: their cached bindings were kept as they were. */
  unreachable: { place: Place; error: string }[];
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

/**
 * A cached binding, or undefined when it is not JSON or names no place (a binding cached
 * before bindings had places: the next rebuild finds it again from the domain's tag).
 */
const parse = (raw: string | null | undefined): AlertBinding | undefined => {
  if (!raw) return undefined;
  try {
    const binding = JSON.parse(raw) as AlertBinding;
    return parseRefId(refId(binding)) ? binding : undefined;
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

  async get(ref: DomainRef): Promise<AlertBinding | undefined> {
    return parse(await this.redis.hget(this.key, refId(ref)));
  }

  async set(binding: AlertBinding): Promise<void> {
    await this.redis.hset(this.key, refId(binding), JSON.stringify(binding));
  }

  async remove(ref: DomainRef, channelId?: string): Promise<boolean> {
    const removed = await this.redis.eval(
      REMOVE_IF_CHANNEL,
      1,
      this.key,
      refId(ref),
      channelId ?? "",
    );
    return Number(removed) > 0;
  }

  async list(): Promise<AlertBinding[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all).flatMap((raw) => parse(raw) ?? []);
  }
}

export class MemoryBindingStore implements BindingStore {
  private readonly bindings = new Map<string, AlertBinding>();

  async get(ref: DomainRef): Promise<AlertBinding | undefined> {
    const found = this.bindings.get(refId(ref));
    return found ? { ...found } : undefined;
  }

  async set(binding: AlertBinding): Promise<void> {
    this.bindings.set(refId(binding), { ...binding });
  }

  async remove(ref: DomainRef, channelId?: string): Promise<boolean> {
    const current = this.bindings.get(refId(ref));
    if (!current || (channelId !== undefined && current.channelId !== channelId)) return false;
    return this.bindings.delete(refId(ref));
  }

  async list(): Promise<AlertBinding[]> {
    return [...this.bindings.values()].map((b) => ({ ...b }));
  }
}

/** Where restored mutes go: the digest store (src/dlq/digests.ts). */
export interface MuteSink {
  setMute(ref: DomainRef, until: number | undefined): Promise<void>;
}

/** The domains' tags in every place the bot serves, each read in its own account. */
export interface PlacedTags {
  places(): readonly Place[];
  at(place: Place): DomainTagStore;
}

/** The tags through each place's gateways, acting for `actor` (the assumed role's session name). */
export const placedTags = (
  targets: Pick<Targets, "places" | "gateways">,
  actor: Actor,
): PlacedTags => ({
  places: () => targets.places(),
  at: (place) => targets.gateways(place, actor).profiles,
});

/**
 * One place's bindings, by domain name: what provisioning uses, since it works in one place.
 * The place comes from whoever builds it, never from the caller's input.
 */
export interface PlaceBindings {
  get(domain: string): Promise<AlertBinding | undefined>;
  set(binding: Omit<AlertBinding, "account" | "region">): Promise<void>;
  remove(domain: string, channelId?: string): Promise<boolean>;
}

export const bindingsAt = (store: BindingStore, place: Place): PlaceBindings => {
  const at = (domain: string): DomainRef => ({
    account: place.account,
    region: place.region,
    domain,
  });
  return {
    get: (domain) => store.get(at(domain)),
    set: (binding) => store.set({ ...binding, ...at(binding.domain) }),
    remove: (domain, channelId) => store.remove(at(domain), channelId),
  };
};

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
    private readonly tags: PlacedTags,
    private readonly opts: {
      mutes?: MuteSink;
      log?: Logger;
      now?: () => number;
      /** Hears each place whose domains could not be listed (a metric counts them). */
      unreachable?: (place: Place) => void;
    } = {},
  ) {
    this.cache = new RedisBindingStore(redis, prefix);
    this.rebuiltKey = bindingsRebuiltKey(prefix);
  }

  async get(ref: DomainRef): Promise<AlertBinding | undefined> {
    await this.warm();
    return this.cache.get(ref);
  }

  async list(): Promise<AlertBinding[]> {
    await this.warm();
    return this.cache.list();
  }

  async set(binding: AlertBinding): Promise<void> {
    await this.tags.at(binding).tagDomain(binding.domain, bindingTags(binding));
    await this.cache.set({ ...binding, tagged: true });
  }

  /** Removes the routing tags and the mute with it; the domain itself is left alone. */
  async remove(ref: DomainRef, channelId?: string): Promise<boolean> {
    const store = this.tags.at(ref);
    const tags = await store.domainTags(ref.domain);
    const tagged = tags ? readDomainTags(tags).channelId : undefined;
    // Re-pointed meanwhile (by someone else, or in Terraform): not ours to remove.
    if (channelId !== undefined && tagged !== undefined && tagged !== channelId) return false;
    if (tags) {
      const keys = Object.values(DOMAIN_TAGS).filter((k) => tags[k] !== undefined);
      await store.untagDomain(ref.domain, keys);
    }
    const removed = await this.cache.remove(ref, channelId);
    return removed || tagged !== undefined;
  }

  /**
   * Makes the cache match the tags, place by place: a tagged channel wins over the cache; a
   * cached binding whose tag went (removed outside the bot) is dropped; a cached binding never
   * tagged is copied into the tags. Bindings of domains AWS does not list are left as they
   * are, and so is every binding of a place whose domains could not be listed: an AssumeRole
   * refused for an hour must not silence that account's digests for good.
   * The cache is read before the tags, so a binding written meanwhile (tag first) is never
   * mistaken for one whose tag went.
   */
  async rebuild(): Promise<RebuiltBindings> {
    const now = this.opts.now?.() ?? Date.now();
    const cached = new Map((await this.cache.list()).map((b) => [refId(b), b]));
    const result: RebuiltBindings = {
      bindings: [],
      mutes: [],
      migrated: [],
      dropped: [],
      unreachable: [],
    };
    for (const place of this.tags.places()) {
      let store: DomainTagStore;
      let domains: { domain: string; tags: Record<string, string> }[];
      try {
        // Getting the place's gateways may assume its role: that can fail too.
        store = this.tags.at(place);
        domains = await store.listDomainTags();
      } catch (err) {
        const error = (err as Error).message;
        result.unreachable.push({ place, error });
        this.opts.unreachable?.(place);
        this.opts.log?.warn(
          { place: placeId(place), err: error },
          "could not list the domains of a place; its cached digest bindings are kept",
        );
        continue;
      }
      for (const { domain, tags } of domains) {
        await this.rebuildOne(store, { ...place, domain }, tags, cached, result, now);
      }
    }
    await this.redis.set(this.rebuiltKey, new Date(now).toISOString());
    result.bindings = await this.cache.list();
    return result;
  }

  private async rebuildOne(
    store: DomainTagStore,
    ref: DomainRef,
    tags: Record<string, string>,
    cached: Map<string, AlertBinding>,
    result: RebuiltBindings,
    now: number,
  ): Promise<void> {
    const id = refId(ref);
    const read = readDomainTags(tags);
    const was = cached.get(id);
    if (read.mutedUntil !== undefined && read.mutedUntil > now) {
      result.mutes.push({ ref, until: read.mutedUntil });
      await this.opts.mutes?.setMute(ref, read.mutedUntil);
    }
    if (read.channelId) {
      if (was?.tagged && was.channelId === read.channelId) return;
      const same = was?.channelId === read.channelId ? was : undefined;
      await this.cache.set({
        ...ref,
        channelId: read.channelId,
        teamId: read.teamId ?? was?.teamId ?? "",
        ...(same?.queueUrl ? { queueUrl: same.queueUrl } : {}),
        boundBy: same?.boundBy ?? `tag ${DOMAIN_TAGS.channel}`,
        boundAt: same?.boundAt ?? new Date(now).toISOString(),
        tagged: true,
      });
    } else if (was?.tagged) {
      await this.cache.remove(ref, was.channelId);
      result.dropped.push(id);
    } else if (was) {
      try {
        await store.tagDomain(ref.domain, bindingTags(was));
        await this.cache.set({ ...was, tagged: true });
        result.migrated.push(id);
      } catch (err) {
        this.opts.log?.warn(
          { domain: id, err: (err as Error).message },
          "could not copy a cached digest binding into the domain's tags; it stays in Redis only",
        );
      }
    }
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
