/**
 * Where the bot works: targets, each an AWS account (reached with the SDK's own credentials,
 * or through a role assumed with STS) and the regions the bot serves in it. A domain is
 * named by its place (account and region) and its name, and every key the bot keeps for a
 * domain is built from that whole reference (`refId`), so the same domain name in two
 * accounts or regions never collides.
 */
import type { Actor } from "../context.js";
import type { Gateways } from "./gateways.js";

export interface Target {
  /** What users pick and type (`--target prod`): lowercase letters, digits and dashes. */
  name: string;
  /** The 12-digit AWS account id. */
  account: string;
  /** The regions served in this account, the first being the default. */
  regions: string[];
  /** The role assumed in the account; absent for the default target (the SDK's own credentials). */
  roleArn?: string;
  /** The external id the role's trust policy requires. */
  externalId?: string;
}

/** One account and region: where a domain, its queue and its key live. */
export interface Place {
  account: string;
  region: string;
}

/** A Customer Profiles domain, wherever it is. */
export interface DomainRef extends Place {
  domain: string;
}

/** `111122223333.us-east-1`: a place as one key part. No ':' (BullMQ job ids forbid it). */
export const placeId = (place: Place): string => `${place.account}.${place.region}`;

/** `111122223333.us-east-1.my-domain`: the key part every per-domain record is stored under. */
export const refId = (ref: DomainRef): string => `${placeId(ref)}.${ref.domain}`;

const REF_ID = /^(\d{12})\.([a-z]{2}(?:-[a-z]+)+-\d)\.([a-zA-Z0-9_-]{1,64})$/;

/** The reference a `refId` names; undefined when the text is not one (treat it as hostile). */
export function parseRefId(text: string): DomainRef | undefined {
  const match = REF_ID.exec(text);
  if (!match) return undefined;
  const [, account, region, domain] = match as unknown as [string, string, string, string];
  return { account, region, domain };
}

export const samePlace = (a: Place, b: Place): boolean =>
  a.account === b.account && a.region === b.region;

export interface Targets {
  /** Every configured target, the default first. */
  all(): readonly Target[];
  /** Every place the bot serves: each target's regions, the default target's default region first. */
  places(): readonly Place[];
  /** Where work goes when nobody picked a place. */
  defaultPlace(): Place;
  /** The target a place belongs to; undefined when the bot does not serve that place. */
  targetOf(place: Place): Target | undefined;
  /** For people: `prod (111122223333) · eu-west-2`. */
  describe(place: Place): string;
  /**
   * The gateways for one place, acting for `actor`: with a role, the assumed-role session is
   * named after the Slack user (or the bot's job), so CloudTrail shows who acted. Throws for
   * a place the bot does not serve.
   */
  gateways(place: Place, actor: Actor): Gateways;
}

export const describeTarget = (target: Target, place: Place): string =>
  `${target.name} (${target.account}) · ${place.region}`;

/**
 * Today's shape: one target with the SDK's own credentials and one region, whose gateways
 * serve every actor. The runtime builds it until the configured targets replace it.
 */
export function singleTarget(target: Target, gateways: Gateways): Targets {
  const region = target.regions[0];
  if (!region) throw new Error(`target ${target.name} has no region`);
  const place: Place = { account: target.account, region };
  const serves = (p: Place) => samePlace(p, place);
  return {
    all: () => [target],
    places: () => [place],
    defaultPlace: () => place,
    targetOf: (p) => (serves(p) ? target : undefined),
    describe: (p) => describeTarget(target, p),
    gateways: (p) => {
      if (!serves(p)) throw new Error(`the bot does not serve ${placeId(p)}`);
      return gateways;
    },
  };
}

/**
 * The own-credentials target: the account the SDK's own credentials are in (STS
 * GetCallerIdentity, which needs no permission) and its regions, or the clients' region when
 * none are configured (AWS_TARGETS unset). Throws, naming what to set, when either cannot be
 * known.
 */
export async function defaultTarget(
  gateways: Gateways,
  name = "default",
  regions: readonly string[] = [],
): Promise<Target> {
  const identity = gateways.identity;
  if (!identity) throw new Error("the default target needs the STS gateway");
  const region = regions[0] ?? (await identity.region());
  if (!region) {
    throw new Error("No AWS region is set: set AWS_REGION (for example eu-west-2).");
  }
  const { account } = await identity.callerIdentity();
  return { name, account, regions: regions.length > 0 ? [...regions] : [region] };
}
