/**
 * Whether Customer Profiles may use a customer's KMS key or SQS queue: the checks built on
 * the emulator's policy evaluator. CreateDomain/UpdateDomain refuse a
 * dead-letter queue the service cannot write to; ingestion re-checks at write time, since a
 * policy or key can be withdrawn after the domain exists. The evaluator is ../policy.ts.
 */
import { evaluate } from "../policy.js";
import {
  accountOf,
  type EmulatorState,
  findKey,
  findQueueByUrl,
  type KmsKey,
  type SqsQueue,
} from "../state.js";
import { AwsError, type EmulatorContext } from "../types.js";
import { type Domain, domainArn } from "./profiles-state.js";
import { bad, lengthBetween } from "./profiles-support.js";

export function usableKey(state: EmulatorState, ref: string, region: string): KmsKey | undefined {
  const key = findKey(state, ref);
  return key &&
    key.region === region &&
    key.keyState === "Enabled" &&
    key.keyUsage === "ENCRYPT_DECRYPT" &&
    key.keySpec === "SYMMETRIC_DEFAULT"
    ? key
    : undefined;
}

export function checkEncryptionKey(state: EmulatorState, ref: string, region: string): void {
  lengthBetween(ref, "defaultEncryptionKey", 0, 255);
  const key = findKey(state, ref);
  if (!key || key.region !== region) {
    throw bad(`KMS key is invalid: ${ref} does not exist in ${region}.`);
  }
  if (key.keyState !== "Enabled") {
    throw bad(`KMS key is invalid: ${key.arn} is ${key.keyState}.`);
  }
  if (key.keyUsage !== "ENCRYPT_DECRYPT" || key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw bad(`KMS key is invalid: ${key.arn} is not a symmetric encryption key.`);
  }
}

/**
 * A key or queue made or changed moments ago, under a propagation delay, is not visible to
 * Customer Profiles yet: CreateDomain and UpdateDomain answer as for one that is missing or
 * whose policy does not allow the service (sandbox/aws/propagation.ts).
 */
export function checkPropagated(
  ctx: EmulatorContext,
  keyRef: string | undefined,
  dlqUrl: string | undefined,
  region: string,
): void {
  const { propagation, state } = ctx;
  const key = keyRef ? findKey(state, keyRef) : undefined;
  if (key && propagation.hidden("key", key.arn)) {
    throw bad(`KMS key is invalid: ${keyRef} does not exist in ${region}.`);
  }
  if (key && propagation.hidden("key-policy", key.arn)) {
    throw new AwsError(
      "AccessDeniedException",
      `Customer Profiles is not allowed to use the KMS key ${key.arn}: its key policy does not grant profile.amazonaws.com kms:GenerateDataKey and kms:Decrypt.`,
      403,
    );
  }
  const queue = dlqUrl ? findQueueByUrl(state, dlqUrl) : undefined;
  if (queue && propagation.hidden("queue", queue.arn)) {
    throw bad(`The dead letter queue ${dlqUrl} does not exist or is not in ${region}.`);
  }
  if (queue && propagation.hidden("queue-policy", queue.arn)) {
    throw bad(
      `Customer Profiles does not have permission to send messages to the dead letter queue ${dlqUrl}.`,
    );
  }
}

/** Whether a resource policy lets `service` call `action` on `resource` in this context. */
const policyAllows = (
  policyJson: string | undefined,
  service: string,
  action: string,
  resource: string,
  context: Record<string, string>,
): boolean =>
  evaluate(policyJson, { servicePrincipal: service, action, resource, context }) === "allowed";

const serviceContext = (account: string, region: string, domainName: string) => ({
  "aws:SourceAccount": account,
  "aws:SourceArn": domainArn(region, domainName, account),
});

/** Why Customer Profiles cannot write to this queue for this domain, or undefined if it can. */
export function deadLetterProblem(
  state: EmulatorState,
  url: string,
  region: string,
  domainName: string,
): string | undefined {
  const queue = findQueueByUrl(state, url);
  if (!queue || queue.region !== region) {
    return `The dead letter queue ${url} does not exist or is not in ${region}.`;
  }
  const allowed = policyAllows(
    queue.attributes.Policy,
    "profile.amazonaws.com",
    "sqs:SendMessage",
    queue.arn,
    serviceContext(accountOf(state), region, domainName),
  );
  if (!allowed) {
    return `Customer Profiles does not have permission to send messages to the dead letter queue ${url}. Add a statement to the queue policy that allows the service principal profile.amazonaws.com to call sqs:SendMessage on ${queue.arn} with aws:SourceAccount ${accountOf(state)} and aws:SourceArn ${domainArn(region, domainName, accountOf(state))}.`;
  }
  return undefined;
}

/**
 * Whether an SSE-KMS queue's key lets the service encrypt. AWS does not check this at
 * CreateDomain; the dead-letter write just fails, so the emulator drops the message too.
 */
export function queueKeyUsable(state: EmulatorState, queue: SqsQueue, domain: Domain): boolean {
  const ref = queue.attributes.KmsMasterKeyId;
  if (!ref || ref === "alias/aws/sqs") return true;
  const key = usableKey(state, ref, queue.region);
  return (
    !!key &&
    policyAllows(
      key.policy,
      "profile.amazonaws.com",
      "kms:GenerateDataKey",
      key.arn,
      serviceContext(accountOf(state), domain.region, domain.name),
    )
  );
}
