/**
 * The instance link made by hand. AWS's model says an instance is linked to a domain from the
 * Amazon Connect admin website, not the API, and some accounts refuse PutIntegration; the job
 * then leaves the link to a person (steps.ts ensureLink). This file holds the console steps the
 * Slack report and the CLI give them (docs/aws/connect.md), and what Check again makes of the
 * link it reads afterwards. Plain text: each caller escapes it for where it is shown.
 */
import { parseInstanceArn } from "../enable/arns.js";
import type { Checkpoint } from "./types.js";

export interface LinkTarget {
  instance: { id: string; arn: string; alias?: string };
  domain: string;
}

/** The console steps, one sentence each, naming the instance, its region and the domain. */
export function linkByHandSteps({ instance, domain }: LinkTarget): string[] {
  const parsed = parseInstanceArn(instance.arn);
  const region = parsed.ok ? ` in region ${parsed.value.region}` : "";
  const which = instance.alias
    ? `the instance alias ${instance.alias} (instance ID ${instance.id})`
    : `the instance with ID ${instance.id}`;
  return [
    `Open the Amazon Connect console (https://console.aws.amazon.com/connect/)${region}, signed in as someone who may administer the instance.`,
    `On the instances page, choose ${which}.`,
    "In the navigation pane, choose Customer profiles.",
    `Choose Enable Customer Profiles, choose to use an existing domain, select ${domain} and submit. Keep the domain's dead-letter queue and KMS key as they are: the bot has set them.`,
  ];
}

/** What Check again found: the job's domain, no domain yet, or another domain. */
export type LinkFound =
  | { status: "linked" }
  | { status: "missing" }
  | { status: "elsewhere"; domain: string };

/** `current` is the domain the instance is linked to now (ListAccountIntegrations). */
export function linkFound(current: string | undefined, domain: string): LinkFound {
  if (current === domain) return { status: "linked" };
  return current ? { status: "elsewhere", domain: current } : { status: "missing" };
}

/**
 * The checkpoint once the link was found made by hand: linked, with the refusal kept so the
 * report says how it was made.
 */
export function withLinkMade(checkpoint: Checkpoint): Checkpoint {
  const { link } = checkpoint;
  return link ? { ...checkpoint, link: { ...link, linked: true } } : checkpoint;
}
