/**
 * The configured targets as a registry: for each place and actor, gateways over SDK clients
 * with the right credentials. The own-credentials target keeps one set of clients per region
 * (the SDK's default chain, exactly today's clients when AWS_TARGETS is unset); a role target
 * gets one set per region and assumed-role session, the session named after the actor, so
 * CloudTrail in the target account shows which Slack user (or which job) acted.
 */
import { STSClient } from "@aws-sdk/client-sts";
import type { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { TargetConfig } from "../config.js";
import type { Actor } from "../context.js";
import { AppError } from "../errors.js";
import {
  type AwsCall,
  type AwsClientConfig,
  type AwsClients,
  callMetricsPlugin,
  createAwsClients,
} from "./clients.js";
import { toAppError } from "./errors.js";
import { createGateways, type Gateways } from "./gateways.js";
import {
  defaultTarget,
  describeTarget,
  type Place,
  placeId,
  type Target,
  type Targets,
} from "./targets.js";

export interface TargetRegistryOptions {
  /** AWS_TARGETS as config read it (the one default target when unset). */
  targets: readonly TargetConfig[];
  /** The endpoint, attempts and (tests, sandbox) static credentials every client shares. */
  aws: AwsClientConfig;
  /** Told of every SDK call, AssumeRole included (the metrics). */
  observe?: (call: AwsCall) => void;
  /** Role sessions' client sets kept at once; the least recently used is destroyed past it. */
  maxSessions?: number;
  /** The clock the credentials cache reads (tests move it). */
  now?: () => number;
}

export interface TargetRegistry extends Targets {
  /** Destroys every client (and its sockets); the registry serves nothing after. */
  stop(): void;
}

const MAX_SESSIONS = 200;

/**
 * `profiles-bot-U012ABC` for a Slack user, `profiles-bot-scan` for the bot's own jobs: what
 * CloudTrail shows as the session. STS allows 2 to 64 of `[\w+=,.@-]`.
 */
export function sessionNameOf(actor: Actor): string {
  const who = actor.type === "slack" ? actor.userId : actor.reason;
  return `profiles-bot-${who}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;
type Credentials = Awaited<ReturnType<CredentialProvider>>;

/**
 * The SDK refreshes credentials this long before they expire (its clients' memoization does
 * the same); this cache follows it, so neither ever signs with credentials about to lapse.
 */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * One assumed-role session's credentials, shared by every client of the session in every
 * region. Each SDK client memoizes its credentials by itself and asks again shortly before
 * they expire; without this cache the six clients of a place (and each region's set) would
 * each call AssumeRole. Concurrent first calls share one AssumeRole; a failure is not kept.
 */
export function sharedCredentials(
  provider: CredentialProvider,
  now: () => number = Date.now,
): CredentialProvider {
  let held: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  const fresh = (c: Credentials) =>
    c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_BEFORE_MS;
  return (props) => {
    if (held && fresh(held)) return Promise.resolve(held);
    pending ??= provider(props)
      .then((c) => {
        held = c;
        return c;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** A map that forgets its least recently used entry past `max`, telling `evicted`. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(
    private readonly max: number,
    private readonly evicted: (value: V) => void = () => {},
  ) {}

  get(key: string, make: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const made = make();
    this.entries.set(key, made);
    for (const [oldest, value] of this.entries) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
      this.evicted(value);
    }
    return made;
  }

  clear(): void {
    for (const value of this.entries.values()) this.evicted(value);
    this.entries.clear();
  }
}

interface ClientSet {
  clients: AwsClients;
  gateways: Gateways;
}

/**
 * Builds the registry: the own-credentials target's account comes from STS GetCallerIdentity
 * (and its region from the SDK's chain when AWS_TARGETS is unset and so is AWS_REGION); a
 * role target's account is the one its ARN names. Throws, naming what to set, when the
 * own-credentials target cannot be resolved or shares an account with a role target.
 */
export async function createTargets(opts: TargetRegistryOptions): Promise<TargetRegistry> {
  const { aws, observe, now } = opts;
  const clientSet = (region: string | undefined, credentials?: AwsClientConfig["credentials"]) => {
    const clients = createAwsClients(
      {
        ...aws,
        ...(region !== undefined ? { region } : {}),
        ...(credentials !== undefined ? { credentials } : {}),
      },
      observe,
    );
    return { clients, gateways: createGateways(clients) };
  };

  // The own-credentials target: one client set per region, built as its places are used.
  const own = new Map<string, ClientSet>();
  const sessions = new Lru<ClientSet>(opts.maxSessions ?? MAX_SESSIONS, (set) =>
    set.clients.destroy(),
  );
  // The STS clients AssumeRole makes borrow one HTTP handler per target, from a client
  // owned here, so that stopping destroys their sockets too.
  const assumers = new Map<string, STSClient>();
  const credentials = new Lru<CredentialProvider>((opts.maxSessions ?? MAX_SESSIONS) * 2);
  const stop = () => {
    sessions.clear();
    for (const set of own.values()) set.clients.destroy();
    own.clear();
    for (const clients of assumers.values()) clients.destroy();
    assumers.clear();
  };

  // Loaded only with a role target: the package brings every provider the SDK has, which a
  // bot serving its own account alone would load at each start for nothing.
  const fromRole = opts.targets.some((t) => t.roleArn !== undefined)
    ? (await import("@aws-sdk/credential-providers")).fromTemporaryCredentials
    : undefined;
  let targets: Target[];
  try {
    targets = await Promise.all(
      opts.targets.map(async (config): Promise<Target> => {
        if (config.roleArn === undefined || config.account === undefined) {
          const first = clientSet(config.regions[0] ?? aws.region);
          const found = await defaultTarget(first.gateways, config.name, config.regions);
          own.set(placeId({ account: found.account, region: found.regions[0] as string }), first);
          return found;
        }
        return {
          name: config.name,
          account: config.account,
          regions: [...config.regions],
          roleArn: config.roleArn,
          ...(config.externalId !== undefined ? { externalId: config.externalId } : {}),
        };
      }),
    );
  } catch (err) {
    stop();
    throw err;
  }
  const clash = targets.find(
    (t) => t.roleArn === undefined && targets.some((r) => r.roleArn && r.account === t.account),
  );
  if (clash) {
    stop();
    throw new Error(
      `AWS_TARGETS: the bot's own credentials (target "${clash.name}") are in account ${clash.account}, which a role target names too: list each account once, with all its regions in one entry.`,
    );
  }

  const places = targets.flatMap((t) =>
    t.regions.map((region) => ({ account: t.account, region })),
  );
  const targetOf = (place: Place) =>
    targets.find((t) => t.account === place.account && t.regions.includes(place.region));

  const handlerOf = (target: Target) => {
    let sts = assumers.get(target.name);
    if (!sts) {
      sts = new STSClient({ region: target.regions[0] });
      assumers.set(target.name, sts);
    }
    return sts.config.requestHandler;
  };

  const sessionCredentials = (target: Target, roleArn: string, session: string) =>
    credentials.get(`${target.account}|${session}`, () => {
      // fromTemporaryCredentials is the SDK's AssumeRole provider: it signs with the bot's
      // own credentials (the static ones given, else the default chain) and returns the
      // session's with their expiry, which the cache above and each client refresh before.
      if (!fromRole) throw new Error("a role target without the AssumeRole provider");
      const assume = fromRole({
        params: {
          RoleArn: roleArn,
          RoleSessionName: session,
          ...(target.externalId !== undefined ? { ExternalId: target.externalId } : {}),
        },
        ...(aws.credentials !== undefined ? { masterCredentials: aws.credentials } : {}),
        clientConfig: {
          region: target.regions[0],
          ...(aws.endpoint !== undefined ? { endpoint: aws.endpoint } : {}),
          maxAttempts: aws.maxAttempts,
          requestHandler: handlerOf(target),
        },
        ...(observe ? { clientPlugins: [callMetricsPlugin(observe)] } : {}),
      });
      const call = {
        service: "sts",
        operation: "AssumeRole",
        iamAction: "sts:AssumeRole",
        resource: roleArn,
      } as const;
      return sharedCredentials(async (props) => {
        try {
          return await assume(props);
        } catch (err) {
          // Mapped here, where the call is known: the SDK raises it from inside whichever
          // client first needed the credentials, and that call's name would mislead.
          throw toAppError(call, err);
        }
      }, now);
    });

  return {
    all: () => targets,
    places: () => places,
    defaultPlace: () => places[0] as Place,
    targetOf,
    describe: (place) => {
      const target = targetOf(place);
      return target ? describeTarget(target, place) : placeId(place);
    },
    gateways: (place, actor) => {
      const target = targetOf(place);
      if (!target) {
        throw new AppError("not_found", `The bot does not serve ${placeId(place)}.`, {
          fix: `pick one of its places: ${places.map(placeId).join(", ")}, or add it to AWS_TARGETS.`,
        });
      }
      const id = placeId(place);
      if (target.roleArn === undefined) {
        let set = own.get(id);
        if (!set) {
          set = clientSet(place.region);
          own.set(id, set);
        }
        return set.gateways;
      }
      const roleArn = target.roleArn;
      const session = sessionNameOf(actor);
      return sessions.get(`${id}|${session}`, () =>
        clientSet(place.region, sessionCredentials(target, roleArn, session)),
      ).gateways;
    },
    stop,
  };
}
