/**
 * Naming a place by hand on the CLI (`--target prod --region eu-west-2`), and reading a
 * button's domain reference. Typed text, so it is checked against the configured targets, with
 * a sentence listing what there is. (Slack's `--target prod/eu-west-2` is read by
 * `readPlaceSelector`, src/dlq/places.ts.)
 */
import { type DomainRef, type Place, parseRefId, type Targets } from "../aws/targets.js";
import { validateDomainName } from "../enable/names.js";

export type PlacePick = { ok: true; place: Place } | { ok: false; error: string };

/** `prod (eu-west-2, eu-central-1), tooling (us-east-1)`. */
export const targetList = (targets: Pick<Targets, "all">): string =>
  targets
    .all()
    .map((t) => `${t.name} (${t.regions.join(", ")})`)
    .join(", ");

/**
 * The target named `name`, in `region` or its first region. `name` may carry the region as
 * Slack's `--target` does (`prod/eu-west-2`), so the CLI takes both spellings.
 */
export function pickPlace(
  targets: Pick<Targets, "all">,
  selector: string,
  regionFlag?: string,
): PlacePick {
  const [name = "", inline] = selector.split("/", 2);
  if (inline !== undefined && regionFlag !== undefined && inline !== regionFlag) {
    return {
      ok: false,
      error: `--target ${selector.slice(0, 60)} and --region ${regionFlag.slice(0, 40)} name two regions: give one.`,
    };
  }
  const region = inline ?? regionFlag;
  const target = targets.all().find((t) => t.name === name);
  if (!target) {
    return {
      ok: false,
      error: `There is no target named ${name.slice(0, 40)}: the bot serves ${targetList(targets)}.`,
    };
  }
  const picked = region ?? target.regions[0];
  if (!picked || !target.regions.includes(picked)) {
    return {
      ok: false,
      error: `Target ${target.name} is served in ${target.regions.join(", ")}, not in ${(region ?? "").slice(0, 40)}: pick one of those regions.`,
    };
  }
  return { ok: true, place: { account: target.account, region: picked } };
}

/**
 * A button's domain reference (`refId`), read as hostile text: it must be one, in a place the
 * bot serves. The domain part follows the wizard's name rule.
 */
export function servedRef(
  targets: Pick<Targets, "targetOf">,
  text: string,
): { ok: true; ref: DomainRef } | { ok: false; error: string } {
  const ref = parseRefId(text);
  if (!ref) return { ok: false, error: "it is not a domain of an account and region" };
  const name = validateDomainName(ref.domain);
  if (!name.ok) return { ok: false, error: name.error };
  if (!targets.targetOf(ref)) {
    return { ok: false, error: `the bot does not serve account ${ref.account} in ${ref.region}` };
  }
  return { ok: true, ref };
}
