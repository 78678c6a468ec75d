/**
 * The caller of a service, carried everywhere, so authorisation and audit read the same
 * in a Slack listener and in a job.
 */
import type { Logger } from "./logger.js";

export type Actor =
  | { type: "slack"; userId: string; teamId: string; channelId?: string }
  | { type: "system"; jobId?: string; reason: string };

export interface Ctx {
  actor: Actor;
  log: Logger;
}

export function describeActor(actor: Actor): string {
  return actor.type === "slack" ? `<@${actor.userId}>` : `the bot (${actor.reason})`;
}
