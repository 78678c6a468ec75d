/**
 * AWS's eventual consistency, on purpose. A resource made or changed less than its kind's
 * delay ago is not visible yet to the dependent calls that name it, which answer with the
 * error AWS gives then (one each operation's model declares):
 *
 *   queue         SetQueueAttributes: QueueDoesNotExist; CreateDomain/UpdateDomain naming it
 *                 as DeadLetterQueueUrl: BadRequestException
 *   queue-policy  CreateDomain/UpdateDomain naming the queue: BadRequestException
 *   key           CreateAlias, PutKeyPolicy: NotFoundException; CreateDomain/UpdateDomain
 *                 naming it: BadRequestException
 *   key-policy    CreateDomain/UpdateDomain naming the key: AccessDeniedException
 *   domain        PutIntegration: ResourceNotFoundException
 *
 * Delays (ms per kind) are set at start (`propagationMs`, --propagation,
 * AWS_EMULATOR_PROPAGATION) and changed while it runs (`emu.propagation`, or the control
 * endpoint /_emulator/propagation). Only changes made while a kind has a delay are hidden.
 */
import { z } from "zod";

export const PROPAGATION_KINDS = ["queue", "queue-policy", "key", "key-policy", "domain"] as const;
export type PropagationKind = (typeof PROPAGATION_KINDS)[number];
export type PropagationDelays = Partial<Record<PropagationKind, number>>;

const delayMs = z
  .number("must be a whole number of milliseconds, 0 to 3600000")
  .int("must be a whole number of milliseconds, 0 to 3600000")
  .min(0, "must be a whole number of milliseconds, 0 to 3600000")
  .max(3_600_000, "must be a whole number of milliseconds, 0 to 3600000");

const delaysSchema = z.strictObject(
  Object.fromEntries(PROPAGATION_KINDS.map((k) => [k, delayMs.optional()])) as Record<
    PropagationKind,
    z.ZodOptional<typeof delayMs>
  >,
);

/** Bad delays; `problems` says what to fix, one sentence per problem. */
export class PropagationInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

function parseDelays(input: unknown): PropagationDelays {
  const parsed = delaysSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PropagationInputError(
    parsed.error.issues.map((issue) =>
      issue.code === "unrecognized_keys"
        ? `${issue.keys.map((k) => `"${k}"`).join(", ")}: the kinds are ${PROPAGATION_KINDS.join(", ")}`
        : issue.path.length > 0
          ? `"${issue.path.join(".")}": ${issue.message}`
          : `delays must be a JSON object of kind → milliseconds, e.g. {"key":5000} (${issue.message})`,
    ),
  );
}

export class Propagation {
  #delays: PropagationDelays = {};
  /** "kind id" → when it was made or changed, only while its kind has a delay. */
  readonly #changed = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    initial: PropagationDelays = {},
  ) {
    this.set(initial);
  }

  /** Adds or replaces the delays given (validated first: nothing changes on a bad one). */
  set(delays: unknown): void {
    this.#delays = { ...this.#delays, ...parseDelays(delays) };
  }

  /** No delay for any kind: everything is visible at once again. */
  clear(): void {
    this.#delays = {};
    this.#changed.clear();
  }

  list(): PropagationDelays {
    return { ...this.#delays };
  }

  /** The resource `id` (an ARN) of `kind` was made or changed just now. */
  changed(kind: PropagationKind, id: string): void {
    if (!this.#delays[kind]) return;
    const now = this.now();
    // Entries past every delay are forgotten, so the map holds only what is still hidden.
    const longest = Math.max(...Object.values(this.#delays));
    for (const [key, at] of this.#changed) if (now - at >= longest) this.#changed.delete(key);
    this.#changed.set(`${kind} ${id}`, now);
  }

  /** Whether a dependent call naming it must not see it yet. */
  hidden(kind: PropagationKind, id: string): boolean {
    const at = this.#changed.get(`${kind} ${id}`);
    return at !== undefined && this.now() - at < (this.#delays[kind] ?? 0);
  }
}
