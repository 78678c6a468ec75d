/**
 * From the wizard's choices to a provisioning job: the job's data (plain JSON, as the queue
 * stores it) and the order its steps may run in. Queue names and job ids are src/queues'.
 */
import { randomUUID } from "node:crypto";
import { type DomainRef, type Place, placeId, samePlace } from "../aws/targets.js";
import { parseInstanceArn } from "../enable/arns.js";
import { defaultAliasName, validateAliasName } from "../enable/names.js";
import type { EnableInput } from "../enable/plan.js";
import { AppError } from "../errors.js";
import type {
  Checkpoint,
  CleanupResult,
  ProvisionFailure,
  ProvisionInput,
  StepName,
} from "./types.js";

/** Who asked, from the Slack request (or the CLI, which passes its own values). */
export interface Requester {
  requestedBy: string;
  channelId: string;
  teamId: string;
}

/**
 * What the wizard chose, without who asked (that is kept beside it). Jobs queued before the
 * re-encryption confirmation existed carry none: read as not confirmed.
 */
export type ProvisionRequest = Pick<
  EnableInput,
  "instance" | "domain" | "dlq" | "key" | "confirmRelink"
> &
  Partial<Pick<EnableInput, "confirmReencrypt">>;

export interface ProvisionJobData extends Requester {
  version: 1;
  request: ProvisionRequest;
  /**
   * From the instance ARN, so every step builds the same ARNs; the place the person picked,
   * which the job reaches through that target's gateways (`placeOfJob`).
   */
  accountId: string;
  region: string;
  /** ISO time of the submission. */
  requestedAt: string;
  /** Unique per submission: tells a new job from a duplicate of one already queued. */
  submissionId: string;
  checkpoint: Checkpoint;
  /** Set when the job failed for good: what failed and what fixes it. */
  failure?: ProvisionFailure;
  /** Set by the clean-up job. */
  cleanup?: CleanupResult;
  /** The Slack message that reports on the job, once posted: the reporter edits it. */
  message?: StatusMessageRef;
}

/** Where a job's status message is. */
export interface StatusMessageRef {
  channel: string;
  ts: string;
}

/**
 * The job's data. `place`, when given, is where the person picked the instance: an instance
 * ARN naming another account or region is refused, so a job never acts somewhere other than
 * the place it was asked for.
 */
export function provisionJobData(
  choice: ProvisionRequest,
  who: Requester,
  now: Date = new Date(),
  place?: Place,
): ProvisionJobData {
  const parsed = parseInstanceArn(choice.instance.arn);
  if (!parsed.ok) throw new AppError("invalid_input", parsed.error);
  const armed = { account: parsed.value.accountId, region: parsed.value.region };
  if (place && !samePlace(armed, place)) {
    throw new AppError(
      "invalid_input",
      `Instance ${choice.instance.id} is in ${placeId(armed)}, not in ${placeId(place)} where it was picked: pick the instance again.`,
    );
  }
  const { instance, domain, dlq, key, confirmRelink, confirmReencrypt } = choice;
  return {
    version: 1,
    // Copied field by field so nothing from the wizard's draft (or a class) leaks in.
    request: structuredClone({
      instance,
      domain,
      dlq,
      key,
      confirmRelink,
      confirmReencrypt: confirmReencrypt ?? false,
    }),
    requestedBy: who.requestedBy,
    channelId: who.channelId,
    teamId: who.teamId,
    accountId: parsed.value.accountId,
    region: parsed.value.region,
    requestedAt: now.toISOString(),
    submissionId: randomUUID(),
    checkpoint: {},
  };
}

/** Where the job works: the account and region of its instance. */
export const placeOfJob = (data: Pick<ProvisionJobData, "accountId" | "region">): Place => ({
  account: data.accountId,
  region: data.region,
});

/** The domain the job enables, wherever it is. */
export const domainRefOfJob = (data: ProvisionJobData): DomainRef => ({
  ...placeOfJob(data),
  domain: data.request.domain.name.trim(),
});

export function provisionInput(jobId: string, data: ProvisionJobData): ProvisionInput {
  const { request } = data;
  const domainName = request.domain.name.trim();
  return {
    jobId,
    submissionId: data.submissionId,
    requestedBy: data.requestedBy,
    channelId: data.channelId,
    teamId: data.teamId,
    accountId: data.accountId,
    region: data.region,
    instance: request.instance,
    domain: { ...request.domain, name: domainName },
    dlq:
      request.dlq.mode === "new" ? { ...request.dlq, name: request.dlq.name.trim() } : request.dlq,
    key:
      request.key.mode === "new"
        ? { ...request.key, alias: aliasFor(request.key.alias, domainName) }
        : request.key,
    confirmRelink: request.confirmRelink,
    confirmReencrypt: request.confirmReencrypt ?? false,
  };
}

/** The alias the plan showed: typed with or without `alias/`, or the default when left empty. */
const aliasFor = (typed: string, domainName: string): string => {
  const alias = validateAliasName(typed.trim() || defaultAliasName(domainName));
  return alias.ok ? alias.value : typed.trim();
};

/**
 * Which steps wait for which. The queue branch and the key branch run side by side. The
 * domain waits for the queue's policy and the key's policy, not just the resources:
 * CreateDomain checks that Customer Profiles may send to the queue, and the domain can only
 * use a key whose policy lets it. The alias is a name for people and waits for nothing else.
 * The alert binding needs the domain (it is kept in the domain's tags), not the link, so it
 * runs beside the link. A new queue and a new key get their policies in the create call, so
 * their policy steps send nothing, and a fresh enable's AWS critical path is CreateQueue
 * beside CreateKey, then CreateDomain, then PutIntegration beside the binding's tags.
 */
export const STEP_GRAPH: Readonly<Record<StepName, readonly StepName[]>> = {
  queue: [],
  "queue-policy": ["queue"],
  key: [],
  alias: ["key"],
  "key-policy": ["key"],
  domain: ["queue-policy", "key-policy"],
  link: ["domain"],
  "alert-binding": ["domain"],
};
