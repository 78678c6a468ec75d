/**
 * The `/profiles enable` wizard's draft: what the person typed on each step, plus what the
 * bot looked up for it (instance list, the instance's current domain, a queue's or key's
 * policy, the facts for the plan). Steps and background loads write different fields, so
 * the Redis implementation stores one hash field per section: a background load finishing
 * while the person submits a step never overwrites what they typed.
 */
import { randomUUID } from "node:crypto";
import type { InstanceStatus } from "../aws/connect-gateway.js";
import type { RedriveTarget } from "../aws/sqs-gateway.js";
import type { Place } from "../aws/targets.js";
import type { Redis } from "../redis.js";
import type { EnableFacts } from "./plan.js";

export type WizardStep = "target" | "instance" | "domain" | "dlq" | "key" | "review";

/** Every step; a bot that serves one place leaves out the first (wizard.ts `stepsOf`). */
export const WIZARD_STEPS: readonly WizardStep[] = [
  "target",
  "instance",
  "domain",
  "dlq",
  "key",
  "review",
];

/** A draft left alone this long is gone; the person starts again with `/profiles enable`. */
export const DRAFT_TTL_MS = 60 * 60 * 1000;

export interface InstanceRow {
  id: string;
  arn: string;
  alias?: string;
  status: InstanceStatus;
}

export interface QueueRow {
  name: string;
  url: string;
}

export interface KeyRow {
  keyId: string;
  arn: string;
  description: string;
  aliases: string[];
}

/** A place the bot serves, as the target step offers it. */
export interface PlaceOption extends Place {
  /** For people: `prod (444455556666) · eu-west-2`. */
  label: string;
}

/** Something looked up in AWS: the value, or the sentence saying why it could not be. */
export interface Loaded<T> {
  at: string;
  value?: T;
  error?: string;
}

/** Text fields hold what was typed (not yet validated); undefined means "use the default". */
export interface DomainDraft {
  mode: "new" | "existing";
  name?: string;
  days?: string;
  existing?: string;
  /** A new domain's Data store box; off unless ticked. */
  dataStore?: boolean;
  /**
   * True once the person answered the domain step with a domain other than the one the
   * wizard proposes (wizard.ts `proposeDomain`); until then the proposal follows the instance.
   */
  chosen?: boolean;
}

export interface DlqDraft {
  /** "keep": an existing domain's own queue (or none), as it is. */
  mode: "keep" | "none" | "new" | "existing";
  name?: string;
  /** Days a new queue keeps failed objects, as typed. */
  retention?: string;
  /** The picked queue's name (its URL comes from the queue list). */
  queue?: string;
  merge?: boolean;
  /** The box confirming the picked queue's own RedrivePolicy. */
  redrive?: boolean;
}

export interface KeyDraft {
  /**
   * A new customer managed key, an existing one, the AWS owned key Customer Profiles uses, or
   * (an existing domain only) the key the domain uses now.
   */
  mode: "keep" | "new" | "existing" | "aws-owned";
  alias?: string;
  description?: string;
  keyId?: string;
  update?: boolean;
  /** The review's box: the key's administrator added the statement the bot can't check. */
  confirmed?: boolean;
}

export interface LinkCheck {
  instanceArn: string;
  at: string;
  /** The domain the instance is linked to now; absent when none. */
  domain?: string;
  error?: string;
}

export interface QueueCheck {
  name: string;
  at: string;
  url?: string;
  arn?: string;
  /** The queue's Policy attribute; absent when it has none. */
  policy?: string;
  /** MessageRetentionPeriod in seconds. */
  retentionSeconds?: number;
  /** Its own RedrivePolicy; absent when it has none. */
  redrive?: RedriveTarget;
  error?: string;
}

export interface KeyCheck {
  keyId: string;
  at: string;
  arn?: string;
  state?: string;
  manager?: string;
  spec?: string;
  usage?: string;
  /** Absent when the bot may not read it. */
  policy?: string;
  error?: string;
}

/** What an existing domain uses now (GetDomain), for the queue and key steps' "keep". */
export interface DomainCheck {
  name: string;
  at: string;
  /** False when the domain no longer exists. */
  found?: boolean;
  deadLetterQueueUrl?: string;
  encryptionKey?: string;
  profileCount?: number;
  error?: string;
}

export interface FactsCheck {
  /** Which input the facts were gathered for (see factsKey in wizard.ts). */
  for: string;
  at: string;
  facts?: EnableFacts;
  error?: string;
}

export interface Draft {
  id: string;
  userId: string;
  teamId: string;
  /** Where `/profiles enable` was typed: the job's status message goes there. */
  channelId: string;
  createdAt: string;
  step: WizardStep;
  /**
   * Where the wizard works: every look-up and the job use this account and region. Set at
   * creation when the bot serves one place; otherwise picked on the target step.
   */
  place?: Place;
  /** The places the target step offers, as the bot served them when the wizard opened. */
  places?: PlaceOption[];
  /** The picked instance id; its row comes from `instances`. */
  instanceId?: string;
  domain: DomainDraft;
  dlq: DlqDraft;
  key: KeyDraft;
  confirmRelink: boolean;
  /** The review's box for changing the key of a domain that holds profiles (absent: not ticked). */
  confirmReencrypt?: boolean;
  // What the bot looked up, each written by one background load.
  instances?: Loaded<InstanceRow[]>;
  domains?: Loaded<string[]>;
  queues?: Loaded<QueueRow[]>;
  keys?: Loaded<KeyRow[]>;
  linked?: LinkCheck;
  queueCheck?: QueueCheck;
  keyCheck?: KeyCheck;
  domainCheck?: DomainCheck;
  facts?: FactsCheck;
}

export type DraftPatch = Partial<
  Omit<Draft, "id" | "userId" | "teamId" | "channelId" | "createdAt" | "places">
>;

export interface NewDraft {
  userId: string;
  teamId: string;
  channelId: string;
  /** The one place the bot serves: the wizard starts at the instance. */
  place?: Place;
  /** Two or more places: the wizard starts by picking one of them. */
  places?: PlaceOption[];
}

export interface DraftStore {
  create(owner: NewDraft): Promise<Draft>;
  /** Undefined once it expired or was removed. */
  get(id: string): Promise<Draft | undefined>;
  /** Writes only the given sections and renews the TTL; does nothing for a draft that is gone. */
  patch(id: string, patch: DraftPatch): Promise<boolean>;
  remove(id: string): Promise<void>;
}

export function newDraft(owner: NewDraft, now = new Date()): Draft {
  return {
    id: randomUUID(),
    ...owner,
    createdAt: now.toISOString(),
    step: (owner.places?.length ?? 0) > 1 ? "target" : "instance",
    domain: { mode: "new" },
    dlq: { mode: "new" },
    key: { mode: "new" },
    confirmRelink: false,
  };
}

/** Draft ids are UUIDs; anything else in private_metadata is not ours. */
export const isDraftId = (text: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text);

// ---------------------------------------------------------------------------------------------

export const draftKey = (prefix: string, id: string): string => `${prefix}:enable-draft:${id}`;

/** HSET only when the draft still exists, so a late background load can't resurrect it. */
const PATCH_SCRIPT = `
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
redis.call("HSET", KEYS[1], unpack(ARGV, 2))
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return 1`;

export class RedisDraftStore implements DraftStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = DRAFT_TTL_MS,
  ) {}

  async create(owner: NewDraft): Promise<Draft> {
    const draft = newDraft(owner);
    const key = draftKey(this.prefix, draft.id);
    await this.redis.multi().hset(key, encode(draft)).pexpire(key, this.ttlMs).exec();
    return draft;
  }

  async get(id: string): Promise<Draft | undefined> {
    if (!isDraftId(id)) return undefined;
    const fields = await this.redis.hgetall(draftKey(this.prefix, id));
    return decode(fields);
  }

  async patch(id: string, patch: DraftPatch): Promise<boolean> {
    const flat = Object.entries(encode(patch)).flat();
    if (flat.length === 0) return true;
    const done = await this.redis.eval(
      PATCH_SCRIPT,
      1,
      draftKey(this.prefix, id),
      String(this.ttlMs),
      ...flat,
    );
    return done === 1;
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(draftKey(this.prefix, id));
  }
}

function encode(fields: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) out[name] = JSON.stringify(value);
  }
  return out;
}

function decode(fields: Record<string, string>): Draft | undefined {
  if (!fields.id || !fields.userId) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, json] of Object.entries(fields)) {
    try {
      out[name] = JSON.parse(json);
    } catch {
      // A field we can't read is a field we don't have: the wizard loads or asks again.
    }
  }
  return out as unknown as Draft;
}

/** For unit tests: the same semantics, in process memory. */
export class MemoryDraftStore implements DraftStore {
  readonly drafts = new Map<string, Draft>();

  async create(owner: NewDraft): Promise<Draft> {
    const draft = newDraft(owner);
    this.drafts.set(draft.id, structuredClone(draft));
    return draft;
  }

  async get(id: string): Promise<Draft | undefined> {
    const draft = this.drafts.get(id);
    return draft ? structuredClone(draft) : undefined;
  }

  async patch(id: string, patch: DraftPatch): Promise<boolean> {
    const draft = this.drafts.get(id);
    if (!draft) return false;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    this.drafts.set(id, { ...draft, ...structuredClone(defined) });
    return true;
  }

  async remove(id: string): Promise<void> {
    this.drafts.delete(id);
  }
}
