/**
 * Keeps the App Home's key checks fresh without making opening it wait on AWS: after the Home
 * is shown from Redis, the domains whose key was never checked, or not for an hour, are
 * checked (two at a time) and the results stored; the caller shows the Home again if any came.
 */
import type { Gateways } from "../aws/gateways.js";
import { mapLimit } from "../aws/paginate.js";
import type { DomainRef, Place } from "../aws/targets.js";
import { checkDomainKey, type KeyCheckStore } from "../domains/key-check.js";
import type { DomainOverview } from "./overview.js";

export const KEY_CHECK_MAX_AGE_MS = 3600_000;
const CONCURRENCY = 2;

/** The domains whose last key check is missing or older than the max age. */
export const staleKeyChecks = (domains: DomainOverview[], now: number): DomainRef[] =>
  domains
    .filter((d) => !d.keyCheck || now - d.keyCheck.checkedAt > KEY_CHECK_MAX_AGE_MS)
    .map(({ account, region, domain }) => ({ account, region, domain }));

/** Checks and stores those domains' keys, each in its place; returns how many were stored. */
export async function refreshKeyChecks(
  gatewaysIn: (place: Place) => Pick<Gateways, "profiles" | "kms">,
  store: Pick<KeyCheckStore, "set">,
  domains: DomainRef[],
  onError: (ref: DomainRef, err: unknown) => void,
): Promise<number> {
  const stored = await mapLimit(domains, CONCURRENCY, async (ref) => {
    try {
      await store.set(await checkDomainKey(gatewaysIn(ref), ref));
      return 1;
    } catch (err) {
      onError(ref, err);
      return 0;
    }
  });
  return stored.reduce((a: number, b: number) => a + b, 0);
}
