import { partitionForRegion } from "../aws/arn.js";
import { invalid, quoted, type Validation, valid } from "./validation.js";

/** The parts of `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export interface InstanceArn {
  partition: string;
  region: string;
  accountId: string;
  instanceId: string;
}

export interface QueueLocation {
  accountId: string;
  name: string;
  /** Absent when the URL's host is not an AWS SQS endpoint (the sandbox, a VPC endpoint). */
  region?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

export const parseArn = (arn: string): ArnParts | undefined => {
  const parts = arn.trim().split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition = "", service = "", region = "", accountId = ""] = parts;
  // The resource part may itself contain colons (e.g. `alias:...` forms), so rejoin it.
  const resource = parts.slice(5).join(":");
  if (!partition || !service || !resource) return undefined;
  return { partition, service, region, accountId, resource };
};

export const parseInstanceArn = (arn: string): Validation<InstanceArn> => {
  const parts = parseArn(arn);
  const instanceId = parts?.resource.match(/^instance\/([A-Za-z0-9-]+)$/)?.[1];
  if (parts?.service !== "connect" || !instanceId) {
    return invalid(
      `Use a Connect instance ARN like arn:aws:connect:<region>:<account>:instance/<id>: ${quoted(arn)} is not one.`,
    );
  }
  if (!parts.region || !ACCOUNT_ID.test(parts.accountId)) {
    return invalid(
      `Use a Connect instance ARN that names its region and 12-digit account: ${quoted(arn)} does not.`,
    );
  }
  const { partition, region, accountId } = parts;
  return valid({ partition, region, accountId, instanceId });
};

export const instanceArn = (region: string, accountId: string, instanceId: string): string =>
  `arn:${partitionForRegion(region)}:connect:${region}:${accountId}:instance/${instanceId}`;

export const domainArn = (region: string, accountId: string, domainName: string): string =>
  `arn:${partitionForRegion(region)}:profile:${region}:${accountId}:domains/${domainName}`;

export const queueArn = (region: string, accountId: string, queueName: string): string =>
  `arn:${partitionForRegion(region)}:sqs:${region}:${accountId}:${queueName}`;

export const keyArn = (region: string, accountId: string, keyId: string): string =>
  `arn:${partitionForRegion(region)}:kms:${region}:${accountId}:key/${keyId}`;

export const aliasArn = (region: string, accountId: string, aliasName: string): string =>
  `arn:${partitionForRegion(region)}:kms:${region}:${accountId}:${aliasName}`;

/** IAM is global, but its ARNs still carry the partition of the region in question. */
export const accountRootArn = (region: string, accountId: string): string =>
  `arn:${partitionForRegion(region)}:iam::${accountId}:root`;

/** The URL AWS returns for a queue in a region (the form CreateQueue and GetQueueUrl give). */
export const queueUrl = (region: string, accountId: string, queueName: string): string => {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${suffix}/${accountId}/${queueName}`;
};

/**
 * Reads account and name from the last two path segments, which is where every SQS endpoint
 * (AWS's, a VPC endpoint's, the sandbox's) puts them; the region only comes from AWS hosts.
 */
export const parseQueueUrl = (url: string): QueueLocation | undefined => {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  const segments = parsed.pathname.split("/").filter((segment) => segment.length > 0);
  if (segments.length < 2) return undefined;
  const [accountId = "", name = ""] = segments.slice(-2);
  if (!ACCOUNT_ID.test(accountId) || !name) return undefined;
  const region = regionFromSqsHost(parsed.hostname);
  return region ? { accountId, name, region } : { accountId, name };
};

const regionFromSqsHost = (host: string): string | undefined =>
  host.match(/^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/)?.[1] ??
  // Legacy endpoints: <region>.queue.amazonaws.com
  host.match(/^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$/)?.[1];

export const queueNameFromUrl = (url: string): string | undefined => parseQueueUrl(url)?.name;

/** `fallbackRegion` covers URLs whose host does not reveal it (the sandbox's endpoint). */
export const queueArnFromUrl = (url: string, fallbackRegion: string): string | undefined => {
  const location = parseQueueUrl(url);
  if (!location) return undefined;
  return queueArn(location.region ?? fallbackRegion, location.accountId, location.name);
};

export const parseQueueArn = (
  arn: string,
): { region: string; accountId: string; name: string } | undefined => {
  const parts = parseArn(arn);
  if (parts?.service !== "sqs" || parts.resource.includes("/")) return undefined;
  return { region: parts.region, accountId: parts.accountId, name: parts.resource };
};

export const parseKeyArn = (
  arn: string,
): { region: string; accountId: string; keyId: string } | undefined => {
  const parts = parseArn(arn);
  const keyId = parts?.resource.match(/^key\/(.+)$/)?.[1];
  if (parts?.service !== "kms" || !keyId) return undefined;
  return { region: parts.region, accountId: parts.accountId, keyId };
};
