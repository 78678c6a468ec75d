/**
 * Waiting out AWS's eventual consistency (docs/aws/README.md). Right after this job makes or
 * changes a resource (CreateQueue, a queue policy, CreateKey, a key policy, CreateDomain), a
 * call that names it can fail as if the resource did not exist, or as if its policy did not
 * allow the call yet. `settled` retries such a failure with backoff until the resource is
 * `boundMs` old, telling the reporter what it waits for; any other failure, or one about a
 * resource this job did not just touch, is thrown at once, as before.
 */
import { AppError } from "../errors.js";
import type { Checkpoint } from "./types.js";

/** A resource this job made or changed, that a call names. */
export interface Dependency {
  /** As people read it: "the new KMS key arn:…", "queue x's new access policy". */
  what: string;
  /** The service that has to see it: "Customer Profiles". */
  reader: string;
  /** When this job made or changed it (ISO 8601); undefined when it did not. */
  changedAt: string | undefined;
  /** Whether this AWS failure of the call is what the resource, not visible yet, gives. */
  explains(err: AppError): boolean;
}

/** What the job is waiting for, as the reporter shows it. */
export interface PropagationWait {
  what: string;
  reader: string;
  /** Since the resource was made or changed. */
  waitedMs: number;
  boundMs: number;
}

/** How long to wait, and whom to tell; from PROPAGATION_WAIT_SECONDS. */
export interface Settling {
  /** How old a resource may get before a failure it would explain is a failure again. */
  boundMs: number;
  /** Told before each wait; best effort, like every report. */
  waiting?: (wait: PropagationWait) => void;
  /** Tests pass a fake one, with a clock (StepContext `now`) that it moves. */
  sleep?: (ms: number) => Promise<void>;
}

/** 1 s, 2 s, 4 s, 8 s, then every 10 s: each wait is one edit of the Slack message. */
export const backoffMs = (attempt: number): number => Math.min(1_000 * 2 ** attempt, 10_000);

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`; while it fails in a way one of `dependencies` explains and that resource is
 * younger than the bound, waits and runs it again. Past the bound the failure becomes one
 * that names the resource and says to retry later.
 */
export async function settled<T>(
  ctx: { settling?: Settling; now?: () => Date },
  dependencies: Dependency[],
  call: () => Promise<T>,
): Promise<T> {
  const boundMs = ctx.settling?.boundMs ?? 0;
  const now = () => (ctx.now?.() ?? new Date()).getTime();
  let waitedFor: Dependency | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const dependency = explaining(dependencies, err);
      if (!dependency?.changedAt || !(err instanceof AppError)) throw err;
      const changedAt = Date.parse(dependency.changedAt);
      const left = changedAt + boundMs - now();
      if (left <= 0) throw waitedFor ? outlasted(dependency, err, boundMs) : err;
      waitedFor = dependency;
      const { what, reader } = dependency;
      ctx.settling?.waiting?.({ what, reader, waitedMs: now() - changedAt, boundMs });
      await (ctx.settling?.sleep ?? sleepFor)(Math.min(backoffMs(attempt), left));
    }
  }
}

/** The youngest resource the failure is about, if any is. */
function explaining(dependencies: Dependency[], err: unknown): Dependency | undefined {
  if (!(err instanceof AppError)) return undefined;
  return dependencies
    .filter((d) => d.changedAt !== undefined && d.explains(err))
    .sort((a, b) => Date.parse(b.changedAt ?? "") - Date.parse(a.changedAt ?? ""))[0];
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** The waiting line, for Slack and the CLI alike. */
export const describeWait = (wait: PropagationWait): string =>
  `Waiting for ${wait.what} to reach ${wait.reader} (AWS is eventually consistent): ${seconds(wait.waitedMs)} of up to ${seconds(wait.boundMs)}.`;

/**
 * The failure once the bound is outlasted. It names the resource; the call stays in `call`
 * (shown once beside it), and AWS's code and words go in the reason, since the reason is
 * what the report shows.
 */
function outlasted(dependency: Dependency, err: AppError, boundMs: number): AppError {
  const said = err.awsMessage ? `${err.awsCode} (${err.awsMessage})` : String(err.awsCode);
  return new AppError(
    "aws_unavailable",
    `${capitalise(dependency.what)} had still not reached ${dependency.reader} after ${seconds(boundMs)} (AWS is eventually consistent): AWS still answered ${said}.`,
    {
      fix: `Retry in a minute: the job reuses what it made. If it keeps failing the same way, the wait is not the cause: ${err.fix ?? "read what AWS said."} To wait longer, raise PROPAGATION_WAIT_SECONDS.`,
      ...(err.call ? { call: err.call } : {}),
      cause: err,
      // Not BullMQ's to retry: the bound was the wait. The Retry button starts it again.
      retryable: false,
      details: { waitedFor: dependency.what, boundMs },
    },
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---------------------------------------------------------------------------------------------
// What each dependent call names, and how AWS answers while it cannot see it yet

const hasCode = (err: AppError, ...codes: string[]) => codes.includes(err.awsCode ?? "");
const names = (err: AppError, ...ids: string[]) =>
  ids.some((id) => id !== "" && (err.awsMessage ?? "").includes(id));

/**
 * CreateDomain and UpdateDomain name the key and the queue. Customer Profiles answers one it
 * cannot see or use yet with a BadRequest, AccessDenied or ResourceNotFound that names it;
 * an IAM refusal of the call itself names neither, so it fails at once.
 */
export function domainDependencies(c: Checkpoint): Dependency[] {
  const refused = (err: AppError, ...ids: string[]) =>
    hasCode(err, "BadRequestException", "AccessDeniedException", "ResourceNotFoundException") &&
    names(err, ...ids);
  const reader = "Customer Profiles";
  const out: Dependency[] = [];
  if (c.key) {
    const { arn, keyId } = c.key;
    const explains = (err: AppError) => refused(err, arn, keyId);
    out.push(
      { what: `the new KMS key ${arn}`, reader, changedAt: c.key.changedAt, explains },
      { what: `KMS key ${arn}'s new policy`, reader, changedAt: c.keyPolicy?.changedAt, explains },
    );
  }
  if (c.queue) {
    const { url, arn, name } = c.queue;
    const explains = (err: AppError) => refused(err, url, arn);
    out.push(
      { what: `the new queue ${name}`, reader, changedAt: c.queue.changedAt, explains },
      {
        what: `queue ${name}'s new access policy`,
        reader,
        changedAt: c.queuePolicy?.changedAt,
        explains,
      },
    );
  }
  return out;
}

/** CreateAlias names the key it points at: KMS answers NotFoundException until it sees it. */
export const keyDependencies = (c: Checkpoint): Dependency[] =>
  c.key
    ? [
        {
          what: `the new KMS key ${c.key.arn}`,
          reader: "KMS",
          changedAt: c.key.changedAt,
          explains: (err) => hasCode(err, "NotFoundException"),
        },
      ]
    : [];

/** SetQueueAttributes on a queue SQS does not list yet: QueueDoesNotExist. */
export const queueDependencies = (c: Checkpoint): Dependency[] =>
  c.queue
    ? [
        {
          what: `the new queue ${c.queue.name}`,
          reader: "SQS",
          changedAt: c.queue.changedAt,
          explains: (err) =>
            hasCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"),
        },
      ]
    : [];

/** PutIntegration on a domain Customer Profiles does not see yet: ResourceNotFoundException. */
export const domainDependency = (c: Checkpoint): Dependency[] =>
  c.domain
    ? [
        {
          what: `the new domain ${c.domain.name}`,
          reader: "Customer Profiles",
          changedAt: c.domain.changedAt,
          explains: (err) => hasCode(err, "ResourceNotFoundException"),
        },
      ]
    : [];
