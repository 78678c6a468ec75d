/**
 * The Slack implementations of the jobs' ports, built once by the composition root
 * (src/runtime.ts) and handed to the workers, so jobs never import src/slack.
 */
import type { Place, Targets } from "../../aws/targets.js";
import type { ReportedReingest } from "../../dlq/reporter.js";
import type { Logger } from "../../logger.js";
import type { Notifier } from "../notifier/notifier.js";
import { createDigestPublisher, type DigestPublisherDeps } from "./digest.js";
import { createProvisionReporter, type ReportableJob } from "./provision.js";
import { createReingestReporter } from "./reingest.js";

/** Matches the ports jobs/index.ts declares (WorkerReporters); the composition root joins them. */
export function createSlackReporters(
  deps: {
    notifier: Notifier;
    log: Logger;
    /** The places served: a provisioning message names its job's place when there are several. */
    targets?: Pick<Targets, "places" | "describe">;
  } & Omit<DigestPublisherDeps, "notifier" | "log">,
) {
  const { notifier, log, targets, ...digest } = deps;
  const describePlace = (place: Place) =>
    targets && targets.places().length > 1 ? targets.describe(place) : undefined;
  const provisionLog = log.child({ queue: "provision" });
  return {
    provision: (job: ReportableJob) =>
      createProvisionReporter({ notifier, log: provisionLog, describePlace }, job),
    reingest: (job: ReportedReingest) =>
      createReingestReporter({ notifier, log: log.child({ queue: "reingest" }) }, job),
    digest: createDigestPublisher({ ...digest, notifier, log: log.child({ queue: "dlq-scan" }) }),
  };
}
