/**
 * Which Slack channel hears about a domain's dead-letter queue. Provisioning writes the
 * binding; the DLQ digest job reads it. One Redis hash holds them all, so any number of
 * bot and worker processes see the same bindings.
 */
import type { Redis } from "ioredis";

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
}

export interface BindingStore {
  get(domain: string): Promise<AlertBinding | undefined>;
  set(binding: AlertBinding): Promise<void>;
  /** Removes the binding only while it still points at `channelId`, when that is given. */
  remove(domain: string, channelId?: string): Promise<boolean>;
  list(): Promise<AlertBinding[]>;
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
