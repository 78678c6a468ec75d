/**
 * Finding which place (account and region) a domain the user named is in, and reading the
 * place a person typed (`prod`, or `prod/eu-west-2` when the target has several regions).
 * The bot may serve the same domain name in several places; a name alone is enough only
 * when one place has it. Every `/profiles` subcommand that picks a place reads it with
 * `takeTargetOption` and `readPlaceSelector`, so they all take the same `--target`.
 */
import type { DomainRef, Place, Targets } from "../aws/targets.js";

/** Only the reference's own fields, whatever else the object holds (job data, records). */
export const refOf = ({ account, region, domain }: DomainRef): DomainRef => ({
  account,
  region,
  domain,
});

/** `prod/eu-west-2`: how a person names one place, in a command or a workflow step's input. */
export const placeSelector = (targets: Pick<Targets, "targetOf">, place: Place): string => {
  const target = targets.targetOf(place);
  if (!target) return `${place.account}/${place.region}`;
  return target.regions.length > 1 ? `${target.name}/${place.region}` : target.name;
};

/** How a subcommand's usage shows the option. */
export const TARGET_OPTION = "[--target <target>[/<region>]]";

/**
 * `--target prod`, `--target=prod/eu-west-2` or `target:prod`, anywhere in a subcommand's
 * arguments: the selector (not yet checked, see `readPlaceSelector`) and the other arguments
 * in their order. Given twice, the last one counts; `--target` with nothing after it gives an
 * empty selector, which `readPlaceSelector` refuses with the choices.
 */
export function takeTargetOption(argv: readonly string[]): { rest: string[]; target?: string } {
  const rest: string[] = [];
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const inline = /^(?:--target=|target:)(.*)$/i.exec(arg);
    if (inline) target = inline[1];
    else if (arg.toLowerCase() === "--target") target = argv[++i] ?? "";
    else rest.push(arg);
  }
  return { rest, ...(target !== undefined && { target }) };
}

const SELECTOR = /^([a-z0-9][a-z0-9-]{0,31})(?:\/([a-z]{2}(?:-[a-z]+)+-\d))?$/;

export type SelectorRead = { ok: true; places: Place[] } | { ok: false; error: string };

/**
 * The places a selector names: every region of the target, or the one given. Hostile text:
 * a selector that is not `<target>[/<region>]`, or names a target or region the bot does
 * not serve, is refused with the choices.
 */
export function readPlaceSelector(
  targets: Pick<Targets, "places" | "targetOf" | "all">,
  text: string,
): SelectorRead {
  const choices = targets.places().map((p) => placeSelector(targets, p));
  const match = SELECTOR.exec(text.trim().toLowerCase());
  const listed = `the bot serves: ${choices.join(", ")}`;
  if (!match && text.trim() === "") {
    return {
      ok: false,
      error: `--target needs a target after it: a target's name, or <target>/<region> (${listed}).`,
    };
  }
  if (!match) {
    return {
      ok: false,
      error: `“${text.slice(0, 80)}” is not a target: write a target's name, or <target>/<region> (${listed}).`,
    };
  }
  const [, name, region] = match;
  const target = targets.all().find((t) => t.name === name);
  if (!target) return { ok: false, error: `There is no target named ${name} (${listed}).` };
  const places = targets
    .places()
    .filter((p) => targets.targetOf(p)?.name === name && (!region || p.region === region));
  if (places.length === 0) {
    return {
      ok: false,
      error: `The target ${name} is not served in ${region} (${listed}).`,
    };
  }
  return { ok: true, places };
}

/** The sentence that lists where a domain name is, and how to pick one. */
export function ambiguousDomain(
  targets: Pick<Targets, "describe" | "targetOf">,
  domain: string,
  places: readonly Place[],
  howToPick: (selector: string) => string,
): string {
  const lines = places.map(
    (p) => `• ${targets.describe(p)}: ${howToPick(placeSelector(targets, p))}`,
  );
  return `The domain ${domain} exists in ${places.length} places; say which one:\n${lines.join("\n")}`;
}
