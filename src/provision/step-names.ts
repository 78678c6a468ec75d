/**
 * The provisioning steps' names, order and labels, in one place for the plan, the job, the
 * Slack report and the CLI. No imports: the plan (src/enable) and the job both read it.
 */
export type StepName =
  | "queue"
  | "queue-policy"
  | "key"
  | "alias"
  | "key-policy"
  | "domain"
  | "link"
  | "alert-binding";

/**
 * Every step in the order a person reads them, each after the steps it waits for (the
 * graph in plan-to-job.ts runs some side by side). Plans, reports and the CLI list steps
 * in this order.
 */
export const STEP_ORDER: readonly StepName[] = [
  "queue",
  "queue-policy",
  "key",
  "key-policy",
  "alias",
  "domain",
  "link",
  "alert-binding",
];

/** What each step is about, as a person names it; "unlink" is a plan-only step. */
export const STEP_LABEL: Record<StepName | "unlink", string> = {
  queue: "Dead-letter queue",
  "queue-policy": "Queue access policy",
  key: "KMS key",
  "key-policy": "Key policy",
  alias: "Key alias",
  domain: "Domain",
  unlink: "Current link",
  link: "Instance link",
  "alert-binding": "Dead-letter digests",
};
