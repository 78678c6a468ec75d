/**
 * Whether Customer Profiles may use a customer's KMS key or SQS queue: a small IAM
 * resource-policy evaluator and the checks built on it. CreateDomain/UpdateDomain refuse a
 * dead-letter queue the service cannot write to; ingestion re-checks at write time, since a
 * policy or key can be withdrawn after the domain exists.
 */
import {
  ACCOUNT_ID,
  type EmulatorState,
  findKey,
  findQueueByUrl,
  type KmsKey,
  type SqsQueue,
} from "../state.js";
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

interface PolicyStatement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM's wildcard match: `*` any run of characters, `?` one character, case-sensitive. */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

function principalIsService(principal: unknown, service: string): boolean {
  if (principal === "*") return true;
  if (!principal || typeof principal !== "object") return false;
  const p = principal as Record<string, unknown>;
  return asList(p.AWS).includes("*") || asList(p.Service).includes(service);
}

function actionAllows(actions: unknown, action: string): boolean {
  return asList(actions).some(
    (a) => typeof a === "string" && globMatch(a.toLowerCase(), action.toLowerCase()),
  );
}

/**
 * Whether a statement's conditions hold for a service call with the given context. Only
 * the operators DLQ and key policies use are understood; any other makes the statement not
 * apply, so the emulator never grants more than AWS would.
 */
function conditionsHold(
  condition: PolicyStatement["Condition"],
  context: Record<string, string>,
): boolean {
  if (!condition) return true;
  const lowered = Object.fromEntries(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(condition).every(([operator, entries]) =>
    Object.entries(entries ?? {}).every(([rawKey, expected]) => {
      const actual = lowered[rawKey.toLowerCase()];
      if (actual === undefined) return false;
      const values = asList(expected).map(String);
      switch (operator) {
        case "StringEquals":
        case "ArnEquals":
          return values.includes(actual);
        case "StringLike":
        case "ArnLike":
          return values.some((v) => globMatch(v, actual));
        default:
          return false;
      }
    }),
  );
}

/** Whether a resource policy lets `service` call `action` on `resource` in this context. */
function policyAllows(
  policyJson: string | undefined,
  service: string,
  action: string,
  resource: string,
  context: Record<string, string>,
): boolean {
  if (!policyJson) return false;
  let statements: PolicyStatement[];
  try {
    statements = asList(
      (JSON.parse(policyJson) as { Statement?: unknown }).Statement,
    ) as PolicyStatement[];
  } catch {
    return false;
  }
  const applies = (s: PolicyStatement) =>
    principalIsService(s.Principal, service) &&
    actionAllows(s.Action, action) &&
    (s.Resource === undefined ||
      asList(s.Resource).some((r) => typeof r === "string" && globMatch(r, resource))) &&
    conditionsHold(s.Condition, context);
  const matching = statements.filter(applies);
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

const serviceContext = (region: string, domainName: string) => ({
  "aws:SourceAccount": ACCOUNT_ID,
  "aws:SourceArn": domainArn(region, domainName),
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
    serviceContext(region, domainName),
  );
  if (!allowed) {
    return `Customer Profiles does not have permission to send messages to the dead letter queue ${url}. Add a statement to the queue policy that allows the service principal profile.amazonaws.com to call sqs:SendMessage on ${queue.arn} with aws:SourceAccount ${ACCOUNT_ID} and aws:SourceArn ${domainArn(region, domainName)}.`;
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
      serviceContext(domain.region, domain.name),
    )
  );
}
