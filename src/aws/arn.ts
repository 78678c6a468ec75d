/**
 * ARN and queue-URL parsing the gateways need for plain-data results and for the resource
 * named in an access-denied fix. Kept here rather than borrowed from src/enable so the
 * gateways depend on nothing above them.
 */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition = "", service = "", region = "", accountId = ""] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(":") };
}

/**
 * `https://sqs.<region>.amazonaws.com/<account>/<name>` as an ARN. Hosts that name no
 * region (the sandbox, VPC endpoints) give `*`, which still reads right in a fix text.
 */
export function queueArnFromUrl(url: string): string {
  try {
    const { hostname, pathname } = new URL(url);
    const [account = "*", name = "*"] = pathname.split("/").filter(Boolean);
    const region =
      /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(hostname)?.[1] ??
      /^([a-z]{2}-[a-z]+-\d)\.queue\./.exec(hostname)?.[1] ??
      "*";
    return `arn:aws:sqs:${region}:${account}:${name}`;
  } catch {
    return "arn:aws:sqs:*:*:*";
  }
}

/** The resource pattern for a key given by id, ARN or alias. */
export function kmsResource(ref: string): string {
  if (ref.startsWith("arn:")) return ref;
  if (ref.startsWith("alias/")) return `arn:aws:kms:*:*:${ref}`;
  return `arn:aws:kms:*:*:key/${ref}`;
}

export const profileDomainResource = (domain: string) => `arn:aws:profile:*:*:domains/${domain}`;

export const domainArn = (region: string, accountId: string, domain: string, partition = "aws") =>
  `arn:${partition}:profile:${region}:${accountId}:domains/${domain}`;

/**
 * China and GovCloud regions live in their own partitions; every ARN the bot writes into a
 * policy must carry the right one or the policy silently matches nothing.
 */
export const partitionForRegion = (region: string): string => {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  return "aws";
};
