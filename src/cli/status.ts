/**
 * `profiles-bot status [DOMAIN] [--json]`: what `/profiles status` shows, from a terminal.
 */
import { ConfigError } from "../config.js";
import type { KeyPolicyVerdict } from "../domains/key-check.js";
import {
  type DomainListEntry,
  type DomainStatus,
  domainStatus,
  listDomainStatus,
  listEveryPlace,
} from "../domains/status.js";
import { asAppError } from "../errors.js";
import { CLI_ACTOR, type CliEnv, openAws, placeOf, takePlaceFlags } from "./aws.js";
import type { CliCommand } from "./io.js";

const USAGE = `Usage: profiles-bot status [DOMAIN] [--target NAME [--region REGION]] [--json]

Without DOMAIN, lists the Customer Profiles domains with their linked instances: with
several targets or regions configured (AWS_TARGETS), every place's under a line naming it,
or only the place --target (and --region) name. With DOMAIN, shows its expiration,
dead-letter queue (and depth), KMS key (and whether its policy lets Customer Profiles use
it), linked instance(s) and profile and object counts, in the default place or the one
--target and --region name (--region defaults to the target's first). Reads only.

Exit codes: 0 done, 2 bad usage, configuration, an unknown target or region, or no such
domain, 3 an AWS call failed (or a place could not be listed).`;

/** The key policy's verdict, and for a key not verified what it must hold. */
const keyPolicyLines = (v: KeyPolicyVerdict): string[] =>
  v.verdict === "verified"
    ? ["KMS key policy:    verified: it lets Customer Profiles use the key"]
    : [
        v.verdict === "missing"
          ? `KMS key policy:    missing the Customer Profiles statement: ${v.problems.join(" ")} Add this statement:`
          : `KMS key policy:    unverified: ${v.reason} The key's administrator must keep this statement:`,
        v.statement,
      ];

function statusLines(s: DomainStatus): string[] {
  const dlq = s.deadLetterQueue;
  return [
    `Domain:            ${s.name}`,
    `Expiration:        ${s.expirationDays} days`,
    `DLQ:               ${dlq ? dlq.url : "none"}`,
    ...(dlq?.arn ? [`DLQ ARN:           ${dlq.arn}`] : []),
    ...(dlq
      ? [
          `DLQ depth:         ${dlq.problem ?? `${dlq.depth ?? 0} (${dlq.inFlight ?? 0} in flight)`}`,
        ]
      : []),
    `KMS key:           ${s.key ? s.key.arn : "AWS owned key"}`,
    ...(s.key ? [`KMS key alias:     ${s.key.aliases.join(", ") || "none"}`] : []),
    ...(s.key?.problem ? [`KMS key problem:   ${s.key.problem}`] : []),
    ...(s.key?.policy ? keyPolicyLines(s.key.policy) : []),
    `Linked instances:  ${s.instances.map((i) => (i.alias ? `${i.alias} (${i.arn})` : i.arn)).join(", ") || "none"}`,
    `Profiles:          ${s.profileCount}`,
    `Objects:           ${s.objectCount}`,
  ];
}

const domainLines = (domains: DomainListEntry[]): string =>
  domains
    .map((d) => {
      const linked = d.instances.map((i) => i.alias ?? i.id).join(", ");
      return `${d.name}\t${linked || "(no instance linked)"}`;
    })
    .join("\n") || "No domains.";

export const createStatusCommand =
  (cli: CliEnv): CliCommand =>
  async (argv, io) => {
    if (argv.includes("-h") || argv.includes("--help")) {
      io.out(USAGE);
      return 0;
    }
    const json = argv.includes("--json");
    const flags = takePlaceFlags(argv.filter((a) => a !== "--json"));
    if (!flags.ok) {
      io.err(`${flags.error}\n\n${USAGE}`);
      return 2;
    }
    const { rest, target, region } = flags;
    const unknown = rest.find((a) => a.startsWith("-"));
    if (unknown || rest.length > 1) {
      io.err(`${unknown ? `unknown option ${unknown}` : "give at most one DOMAIN"}\n\n${USAGE}`);
      return 2;
    }
    let aws: ReturnType<typeof openAws>;
    try {
      aws = openAws(cli);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(`Configuration: ${err.message}`);
      return 2;
    }
    try {
      const [name] = rest;
      const named = target !== undefined || region !== undefined;
      const at = await placeOf(aws, target, region);
      if (name) {
        const status = await domainStatus(at.gateways, { ...at.place, domain: name });
        const where =
          at.targets.places().length > 1
            ? [`Where:             ${at.targets.describe(at.place)}`]
            : [];
        io.out(
          json ? JSON.stringify(status, null, 2) : [...where, ...statusLines(status)].join("\n"),
        );
      } else if (at.targets.places().length > 1 && !named) {
        const places = await listEveryPlace(at.targets, CLI_ACTOR);
        io.out(
          json
            ? JSON.stringify(places, null, 2)
            : places
                .map((p) =>
                  [
                    `# ${p.label}`,
                    p.error ? `(could not be listed: ${p.error})` : domainLines(p.domains ?? []),
                  ].join("\n"),
                )
                .join("\n\n"),
        );
        // Listed, but a place that could not be read is an AWS failure.
        return places.some((p) => p.error) ? 3 : 0;
      } else {
        const domains = await listDomainStatus(at.gateways);
        io.out(json ? JSON.stringify(domains, null, 2) : domainLines(domains));
      }
      return 0;
    } catch (err) {
      const appError = asAppError(err);
      io.err(appError.userMessage);
      return appError.code === "not_found" || appError.code === "invalid_input" ? 2 : 3;
    } finally {
      aws.close();
    }
  };
