/**
 * Several places for the DLQ tests, each its own seeded emulator (its own account's and
 * region's AWS: queues, domains, tags), behind one Targets registry that hands out each
 * place's gateways and records who asked for them. The emulator that serves several
 * accounts and STS lands separately; here a place is an emulator of its own, which is what
 * the DLQ code sees of a place: the gateways `targets.gateways(place, actor)` answers.
 * A place can be made unreachable, as when its role can't be assumed.
 */
import type { Gateways } from "../../../src/aws/gateways.js";
import {
  type DomainRef,
  describeTarget,
  type Place,
  placeId,
  samePlace,
  type Target,
  type Targets,
} from "../../../src/aws/targets.js";
import type { Actor } from "../../../src/context.js";
import { type DlqHarness, startDlqHarness } from "./harness.js";

export const TWO_BY_TWO: Target[] = [
  { name: "default", account: "111122223333", regions: ["us-east-1", "eu-west-2"] },
  {
    name: "prod",
    account: "444455556666",
    regions: ["us-east-1", "eu-west-2"],
    roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
    externalId: "profiles-bot-sandbox-external-id",
  },
];

export interface PlacesFixture {
  targets: Targets;
  places: readonly Place[];
  /** Each place's emulator and clients, in `places` order. */
  harness(place: Place): DlqHarness;
  /** Every `gateways(place, actor)` asked for, in order. */
  asked: { place: string; actor: Actor }[];
  /** From now on, asking for this place's gateways fails as an AssumeRole refusal does. */
  unreachable: Set<string>;
  close(): Promise<void>;
}

export const refIn = (place: Place, domain: string): DomainRef => ({ ...place, domain });

/**
 * A registry over `targets` whose gateways come from `gatewaysFor`, for a place it serves;
 * for one it does not, it throws as the real registry does.
 */
export function registryOf(
  targets: Target[],
  gatewaysFor: (place: Place, actor: Actor) => Gateways,
): Targets {
  const places = targets.flatMap((t) =>
    t.regions.map((region) => ({ account: t.account, region })),
  );
  const targetOf = (p: Place) =>
    targets.find((t) => t.account === p.account && t.regions.includes(p.region));
  return {
    all: () => targets,
    places: () => places,
    defaultPlace: () => places[0] as Place,
    targetOf,
    describe: (p) => {
      const t = targetOf(p);
      return t ? describeTarget(t, p) : placeId(p);
    },
    gateways: (place, actor) => {
      if (!places.some((p) => samePlace(p, place))) {
        throw new Error(`the bot does not serve ${placeId(place)}`);
      }
      return gatewaysFor(place, actor);
    },
  };
}

export async function startPlaces(targets: Target[] = TWO_BY_TWO): Promise<PlacesFixture> {
  const places = targets.flatMap((t) =>
    t.regions.map((region) => ({ account: t.account, region })),
  );
  const harnesses = new Map<string, DlqHarness>();
  for (const place of places) harnesses.set(placeId(place), await startDlqHarness());
  const asked: PlacesFixture["asked"] = [];
  const unreachable = new Set<string>();
  const registry = registryOf(targets, (place, actor) => {
    const id = placeId(place);
    asked.push({ place: id, actor });
    if (unreachable.has(id)) {
      const role = targets.find((t) => t.account === place.account)?.roleArn ?? "the role";
      throw new Error(`STS AssumeRole on ${role} failed: AccessDenied.`);
    }
    return (harnesses.get(id) as DlqHarness).gateways;
  });
  return {
    targets: registry,
    places,
    harness: (place) => harnesses.get(placeId(place)) as DlqHarness,
    asked,
    unreachable,
    close: async () => {
      for (const h of harnesses.values()) await h.close();
    },
  };
}
