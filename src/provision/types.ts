/**
 * The shapes provisioning shares between the steps, the job's data in Redis and whoever
 * reports on it. Everything here is plain JSON, because BullMQ stores it as JSON.
 */
import type { DlqChoice, DomainChoice, InstanceChoice, KeyChoice } from "../enable/plan.js";
import type { StepName } from "./step-names.js";

/** One idempotent "ensure" each; the names match the plan's step kinds. */
export type { StepName } from "./step-names.js";
export { STEP_LABEL, STEP_ORDER } from "./step-names.js";

/**
 * How a finished step ended: done; (the link only) left for a person to do by hand; or (the
 * key policy only) not verified, because the bot may not read an existing key's policy.
 */
export type StepOutcome = "done" | "by-hand" | "unverified";

/** Everything a step needs to know, derived once from the job's data. */
export interface ProvisionInput {
  jobId: string;
  /** The submission the job was queued for; names the new queue's policy (steps.ts). */
  submissionId: string;
  /** The Slack user who asked; written into tags so AWS shows who made each resource. */
  requestedBy: string;
  channelId: string;
  teamId: string;
  /** From the instance ARN: the account and region every resource lives in. */
  accountId: string;
  region: string;
  instance: InstanceChoice;
  domain: DomainChoice;
  dlq: DlqChoice;
  key: KeyChoice;
  confirmRelink: boolean;
  /** The person confirmed changing the key of a domain that holds profiles. */
  confirmReencrypt: boolean;
}

export interface QueueCheckpoint {
  url: string;
  arn: string;
  name: string;
  /** True only when this job created the queue: clean-up deletes nothing else. */
  created: boolean;
  /** CreateQueue set its policy, so the queue-policy step has nothing to send. */
  policySet?: boolean;
  /** When this job made the queue: calls naming it wait for it to spread (settle.ts). */
  changedAt?: string;
}

/** Whether a step changed a policy, and when: calls that rely on it wait for it to spread. */
export interface PolicyCheckpoint {
  changed: boolean;
  changedAt?: string;
}

export interface KeyCheckpoint {
  keyId: string;
  arn: string;
  created: boolean;
  /** When this job made the key: calls naming it wait for it to spread (settle.ts). */
  changedAt?: string;
}

export interface DomainCheckpoint {
  name: string;
  arn: string;
  created: boolean;
  /** The DLQ the domain sends to after this step (kept or set), for the alert binding. */
  deadLetterQueueUrl?: string;
  /**
   * What an existing domain used before this job changed it, so clean-up can put it back: a
   * field is here exactly when the job changed it, "" when the domain had none. Recorded
   * before UpdateDomain is sent. (Jobs stored by older versions left out fields that had no
   * value before; clean-up still recognises the key and queue such a job created.)
   */
  previous?: { encryptionKey?: string; deadLetterQueueUrl?: string };
  /** When this job made the domain: linking waits for it to spread (settle.ts). */
  changedAt?: string;
}

/**
 * AWS's refusal of PutIntegration for the instance (its model says the link is made from the
 * Amazon Connect admin website): the link is then made by hand, and the job goes on.
 */
export interface LinkRefusal {
  /** e.g. "Customer Profiles PutIntegration". */
  call: string;
  awsCode: string;
  /** AWS's own message, "" when it gave none. */
  awsMessage: string;
}

export interface LinkCheckpoint {
  instanceArn: string;
  domain: string;
  /** False while the link is left to be made by hand (`refused` says why). */
  linked: boolean;
  /** The domain the instance was linked to before this job moved it (recorded before unlinking). */
  unlinkedFrom?: string;
  /** Set when AWS refused the link; kept once Check again finds it made by hand. */
  refused?: LinkRefusal;
}

/**
 * A statement the job added to the policy of a queue or key it did not create, recorded
 * before the policy is written: clean-up finds it again by its Sid and takes it out.
 */
export interface AddedStatement {
  /** The queue URL, or the key id. */
  resource: string;
  /** The statement as written. */
  statement: Record<string, unknown>;
  /** A statement of ours for the same domain that this one replaced; clean-up puts it back. */
  replaced?: Record<string, unknown>;
}

/**
 * What the job created or chose so far. Each step records its part before the next starts,
 * so a retry or a re-run after a crash finds its own resources instead of making new ones.
 */
export interface Checkpoint {
  /** Steps that finished; the processor does not run them again. */
  done?: StepName[];
  /**
   * Steps that sent a create whose answer may not have been recorded (the worker may have
   * died in between). On resume, a resource such a step finds by name is this job's own.
   */
  creating?: StepName[];
  queue?: QueueCheckpoint;
  queuePolicy?: PolicyCheckpoint & { added?: AddedStatement };
  key?: KeyCheckpoint;
  alias?: { name: string; created: boolean };
  keyPolicy?: PolicyCheckpoint & {
    added?: AddedStatement;
    /**
     * False when the bot could not read an existing key's policy, so nothing checked that it
     * lets Customer Profiles use the key; `why` says so. True when it read the statement there.
     */
    verified?: boolean;
    why?: string;
  };
  domain?: DomainCheckpoint;
  link?: LinkCheckpoint;
  alertBinding?: { domain: string; channelId: string; created: boolean };
}

/** What a person needs to act on a failure; stored in the job's data and shown in Slack. */
export interface ProvisionFailure {
  step: StepName | "cleanup" | "authorisation";
  /** e.g. "Customer Profiles CreateDomain"; absent when no AWS call failed. */
  call?: string;
  awsCode?: string;
  /** AWS's own message ("" when it gave none); absent in jobs stored by older versions. */
  awsMessage?: string;
  /** What failed and why, without the fix. Absent in jobs stored by older versions. */
  reason?: string;
  /** The whole sentence: reason, then fix. */
  message: string;
  fix?: string;
  retryable: boolean;
}

/** The console's "completed" page, as data. */
export interface ProvisionSummary {
  domain: { name: string; arn: string; created: boolean };
  dlq?: { url: string; arn: string; created: boolean };
  key?: { arn: string; alias?: string; created: boolean; policyNotVerified?: string };
  instance: {
    id: string;
    arn: string;
    alias?: string;
    unlinkedFrom?: string;
    /** Present while the instance is still to be linked by hand: why AWS refused. */
    byHand?: LinkRefusal;
  };
  alertChannelId?: string;
}

export type CleanupAction =
  | "deleted"
  | "scheduled-deletion"
  | "restored"
  | "statement-removed"
  | "kept"
  | "gone";

export interface CleanupItem {
  resource:
    | "alert-binding"
    | "domain"
    | "queue"
    | "queue-policy"
    | "alias"
    | "key"
    | "key-policy"
    | "link";
  /** The resource's name, URL or ARN (for a policy, its queue's or key's). */
  id: string;
  action: CleanupAction;
  /** Why something was kept, or what a person may want to do next. */
  reason?: string;
  /** A key's deletion date (YYYY-MM-DD), when KMS gave one. */
  date?: string;
  /** The Sid of the statement taken out of (or left in) a policy. */
  sid?: string;
}

export interface CleanupResult {
  items: CleanupItem[];
  /** What is left for a later clean-up or retry to know about. */
  checkpoint: Checkpoint;
}
