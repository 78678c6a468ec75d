/**
 * After Enable: the job's status message goes where `/profiles enable` was typed and into the
 * held job's data (the reporter edits it instead of posting one), then the job may start.
 */
import type { Logger } from "../../../logger.js";
import {
  type ProvisionJobData,
  placeOfJob,
  type StatusMessageRef,
} from "../../../provision/plan-to-job.js";
import { releaseProvision } from "../../../queues/provision.js";
import { placeLabel, type SlackDeps } from "../../deps.js";
import { initialProvisionMessage } from "../../reporters/provision.js";

/** Never throws: without the message the reporter posts its own; without the release the job starts after its hold. */
export async function postStatusAndStart(
  deps: SlackDeps,
  log: Logger,
  jobId: string,
  data: ProvisionJobData,
): Promise<void> {
  let posted: StatusMessageRef | undefined;
  try {
    const message = initialProvisionMessage(jobId, data, placeLabel(deps, placeOfJob(data)));
    const { channel, ts } = await deps.notifier.post(data.channelId, message);
    posted = { channel, ts };
  } catch (err) {
    log.warn({ err }, "could not post the enable job's status message");
  }
  try {
    await releaseProvision(deps.queues, jobId, posted);
  } catch (err) {
    log.warn({ err }, "could not start the enable job early; it starts after its hold");
  }
}
