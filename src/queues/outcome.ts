/** What a producer function tells its caller: the listener turns it into a sentence. */
export type EnqueueOutcome<Existing = undefined> =
  /** This call's job was added (or started again). */
  | { status: "started"; jobId: string }
  /** A job with the same id exists: nothing new was started. `by` is who started it. */
  | { status: "already-running"; jobId: string; by: string; state: string; existing: Existing }
  /** The job the click was about no longer exists (removed after its retention). */
  | { status: "gone"; jobId: string };
