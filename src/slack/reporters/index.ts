/**
 * The Slack implementations of the jobs' ports, built once by the composition root
 * (src/runtime.ts) and handed to the workers, so jobs never import src/slack.
 */
import type { ReportedReingest } from "../../dlq/reporter.js";
import type { Logger } from "../../logger.js";
import type { Notifier } from "../notifier/notifier.js";
import { createDigestPublisher, type DigestPublisherDeps } from "./digest.js";
import { createProvisionReporter, type ReportableJob } from "./provision.js";
import { createReingestReporter } from "./reingest.js";

/** Matches the ports jobs/index.ts declares (WorkerReporters); the composition root joins them. */
export function createSlackReporters(
  deps: { notifier: Notifier; log: Logger } & Omit<DigestPublisherDeps, "notifier" | "log">,
) {
  const { notifier, log } = deps;
  return {
    provision: (job: ReportableJob) =>
      createProvisionReporter({ notifier, log: log.child({ queue: "provision" }) }, job),
    reingest: (job: ReportedReingest) =>
      createReingestReporter({ notifier, log: log.child({ queue: "reingest" }) }, job),
    digest: createDigestPublisher({ ...deps, log: log.child({ queue: "dlq-scan" }) }),
  };
}
