/**
 * The place every single-place test works in: the emulator's default account (any ordinary
 * access key maps to it) and the region the tests' clients sign for, with the registry the
 * runtime builds for it.
 */
import { ACCOUNT_ID } from "../../../sandbox/aws/state.js";
import type { Gateways } from "../../../src/aws/gateways.js";
import {
  type DomainRef,
  type Place,
  singleTarget,
  type Targets,
} from "../../../src/aws/targets.js";
import type { DomainTagStore, PlacedTags } from "../../../src/provision/bindings.js";

export const PLACE: Place = { account: ACCOUNT_ID, region: "us-east-1" };

/** How digests and audit entries name that place. */
export const PLACE_TEXT = `default (${ACCOUNT_ID}) · us-east-1`;

/** A domain of that name in that place. */
export const at = (domain: string): DomainRef => ({ ...PLACE, domain });

/** One target, `default`, serving that place with these gateways. */
export const singlePlace = (gateways: Gateways): Targets =>
  singleTarget({ name: "default", account: PLACE.account, regions: [PLACE.region] }, gateways);

/** The domains' tags of that one place, read through this gateway. */
export const tagsIn = (profiles: DomainTagStore): PlacedTags => ({
  places: () => [PLACE],
  at: () => profiles,
});
