/**
 * `profiles-bot plan`: the wizard's review screen without Slack. It reads what AWS holds
 * (the endpoint the configuration names), builds the plan and prints every resource, policy
 * statement, warning and blocker. It changes nothing.
 */
import type { Gateways } from "../aws/gateways.js";
import { ConfigError } from "../config.js";
import { gatherFacts, startEarlyReads } from "../enable/facts.js";
import {
  buildPlan,
  type DlqChoice,
  type EnableFacts,
  type EnableInput,
  type KeyChoice,
  type Plan,
  planToJson,
  renderPlanText,
} from "../enable/plan.js";
import { asAppError } from "../errors.js";
import { type CliAws, type CliEnv, type CliPlace, openAws, placeOf } from "./aws.js";
import {
  ENABLE_FLAGS,
  type EnableArgs,
  type Parsed,
  parseEnableArgs,
  resolveEnableInput,
} from "./enable-args.js";
import type { CliCommand, CliIo } from "./io.js";

const USAGE = `Usage: profiles-bot plan --instance ID [--domain NAME] [options]

Shows what \`enable\` would create or change for a Connect instance, in the AWS account and
region --target and --region name (by default the configuration's first target and region).
Changes nothing.

${ENABLE_FLAGS}

Exit codes: 0 ready, 1 blocked (the blockers say what to change), 2 bad usage or
configuration, 3 an AWS call failed.`;

/** `linkByHand`: enable did everything but the instance link, which AWS left to the console. */
export const EXIT = { ok: 0, blocked: 1, usage: 2, aws: 3, linkByHand: 4 } as const;

export interface CliPlan {
  input: EnableInput;
  facts: EnableFacts;
  plan: Plan;
}

/**
 * Resolves the flags, gathers the facts and builds the plan: reads only. The reads that
 * need no choice start with the instance's look-up, so a fresh enable's plan costs one
 * round of reads when --instance is an ARN, and two when it is an id (the instance's link
 * is asked by ARN; without --domain one more, since the link picks the domain).
 */
export async function planFromArgs(
  gateways: Gateways,
  region: string | undefined,
  args: EnableArgs,
): Promise<CliPlan> {
  const early = startEarlyReads(
    gateways,
    args.instance.startsWith("arn:") ? { instanceArn: args.instance } : {},
  );
  const { input, instanceStatus, reads } = await resolveEnableInput(gateways, args, early);
  const facts = await gatherFacts(gateways, input, { ...(region ? { region } : {}), early: reads });
  const built = buildPlan(input, facts);
  const plan =
    instanceStatus === "ACTIVE"
      ? built
      : {
          ...built,
          blockers: [
            `Instance ${input.instance.alias ?? input.instance.id} is ${instanceStatus}: only an ACTIVE instance can be enabled.`,
            ...built.blockers,
          ],
        };
  return { input, facts, plan };
}

const dlqText = (dlq: DlqChoice): string => {
  switch (dlq.mode) {
    case "keep":
      return "keep the domain's current queue";
    case "none":
      return "none";
    case "new":
      return `new queue ${dlq.name}`;
    case "existing":
      return `existing ${dlq.url}`;
  }
};

const keyText = (key: KeyChoice): string => {
  switch (key.mode) {
    case "keep":
      return "keep the domain's current key";
    case "aws-owned":
      return "AWS owned";
    case "new":
      return `new key ${key.alias}`;
    case "existing":
      return `existing ${key.arn}`;
  }
};

/** The choices the flags resolved to, so a reader knows what the plan is for. */
export function describeInput(
  input: Pick<EnableInput, "instance" | "domain" | "dlq" | "key">,
): string[] {
  const { instance, domain, dlq, key } = input;
  return [
    `Instance: ${instance.alias ? `${instance.alias} ` : ""}(${instance.arn})`,
    `Domain:   ${domain.name} (${domain.mode === "new" ? `new, ${domain.expirationDays} days` : "existing"})`,
    `DLQ:      ${dlqText(dlq)}`,
    `Key:      ${keyText(key)}`,
  ];
}

/** The plan as one JSON object: planToJson's fields, then the choices it was built for. */
export const planJson = ({ plan, input }: CliPlan): string =>
  JSON.stringify({ ...JSON.parse(planToJson(plan)), input }, null, 2);

/**
 * Where plan and enable work: the gateways and region the plan reads with, at once, and the
 * place itself (its account), which may need STS GetCallerIdentity first.
 */
export interface PlanPlace {
  gateways: Gateways;
  region: string | undefined;
  place(): Promise<CliPlace>;
}

/**
 * With no place named, the default place is most often the bot's own credentials in
 * AWS_REGION, which the CLI's own gateways reach: the plan's reads then start beside the STS
 * call that says which account they are in, instead of after it (one serial round trip fewer).
 * Undefined when the default place is a role's or another region's.
 */
function ownDefaultReads(aws: CliAws): { gateways: Gateways; region: string } | undefined {
  const { region, targets } = aws.config.aws;
  const first = targets[0];
  if (!first || first.roleArn !== undefined || region === undefined) return undefined;
  if ((first.regions[0] ?? region) !== region) return undefined;
  return { gateways: aws.gateways, region };
}

/** Parses, opens AWS, runs `body`, and maps failures to an exit code and a sentence. */
export async function withPlanArgs(
  argv: string[],
  io: CliIo,
  cli: CliEnv,
  opts: { usage: string; extra?: string[] },
  body: (aws: CliAws, args: EnableArgs, at: PlanPlace) => Promise<number>,
): Promise<number> {
  const parsed: Parsed<EnableArgs> = parseEnableArgs(argv, opts.extra);
  if (!parsed.ok) {
    if (parsed.help) {
      io.out(opts.usage);
      return EXIT.ok;
    }
    io.err(`${parsed.error}\n\n${opts.usage}`);
    return EXIT.usage;
  }
  let aws: CliAws;
  try {
    aws = openAws(cli);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`Configuration: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  try {
    const { target, region } = parsed.value;
    const placing = placeOf(aws, target, region);
    // Awaited by the body (or not at all, by plan); a failure is reported there or below.
    placing.catch(() => {});
    const reads: Omit<PlanPlace, "place"> =
      (target === undefined && region === undefined ? ownDefaultReads(aws) : undefined) ??
      (await placing.then((at) => ({ gateways: at.gateways, region: at.place.region })));
    return await body(aws, parsed.value, { ...reads, place: () => placing });
  } catch (err) {
    const appError = asAppError(err);
    aws.log.debug({ err }, "command failed");
    io.err(appError.userMessage);
    return appError.code === "not_found" || appError.code === "invalid_input"
      ? EXIT.usage
      : EXIT.aws;
  } finally {
    aws.close();
  }
}

export const createPlanCommand =
  (cli: CliEnv): CliCommand =>
  (argv, io) =>
    withPlanArgs(argv, io, cli, { usage: USAGE }, async (_aws, args, at) => {
      const result = await planFromArgs(at.gateways, at.region, args);
      if (args.json) io.out(planJson(result));
      else io.out([...describeInput(result.input), "", renderPlanText(result.plan)].join("\n"));
      return result.plan.blockers.length > 0 ? EXIT.blocked : EXIT.ok;
    });
