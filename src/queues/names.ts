/**
 * Queue and job names, in one place: producers (src/queues), processors (jobs/) and the
 * App Home all read them from here.
 */
export const QUEUES = {
  provision: "provision",
  dlqScan: "dlq-scan",
  reingest: "reingest",
} as const;

export const JOBS = {
  /** provision queue: enable Customer Profiles for one Connect instance. */
  enable: "enable",
  /** provision queue: remove what a failed enable job created. */
  cleanup: "cleanup",
  /** dlq-scan queue: scan one domain's dead-letter queue and update its digest. */
  scan: "scan",
  /** dlq-scan queue: make the per-domain scan schedulers match the bindings. */
  reconcile: "reconcile",
  /** reingest queue: replay a class (or one message) of a dead-letter queue. */
  reingest: "reingest",
  /** reingest queue: delete a class of dead-letter messages an admin confirmed. */
  discard: "discard",
} as const;

/**
 * BullMQ forbids ':' in custom job ids; domain names and instance ids are already
 * `[a-zA-Z0-9_-]`, anything else (message ids) is cleaned to that.
 */
export const safeIdPart = (text: string): string => text.replace(/[^a-zA-Z0-9_-]/g, "_");
