/**
 * The Slack implementations of the jobs' ports, built once by the composition root
 * (src/runtime.ts) and handed to the workers, so jobs never import src/slack.
 */
import type { DigestPublisher } from "../../dlq/publisher.js";
import type { ReingestReporterFactory } from "../../dlq/reporter.js";
import type { Logger } from "../../logger.js";
import type { ProvisionReporter } from "../../provision/reporter.js";
import type { Notifier } from "../notifier/notifier.js";
import { createDigestPublisher, type DigestPublisherDeps } from "./digest.js";
import { createProvisionReporter, type ReportableJob } from "./provision.js";
import { createReingestReporter } from "./reingest.js";

export interface JobReporters {
  provision: (job: ReportableJob) => ProvisionReporter;
  reingest: ReingestReporterFactory;
  digest: DigestPublisher;
}

export function createSlackReporters(
  deps: { notifier: Notifier; log: Logger } & Omit<DigestPublisherDeps, "notifier" | "log">,
): JobReporters {
  const { notifier, log } = deps;
  return {
    provision: (job) =>
      createProvisionReporter({ notifier, log: log.child({ queue: "provision" }) }, job),
    reingest: (job) =>
      createReingestReporter({ notifier, log: log.child({ queue: "reingest" }) }, job),
    digest: createDigestPublisher({ ...deps, log: log.child({ queue: "dlq-scan" }) }),
  };
}
