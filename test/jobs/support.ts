/**
 * What the job tests share: a domain with its own DLQ on the emulator, bound to a channel in
 * real Redis, and a way to put failed objects of one class into that DLQ.
 */
import { runScan, type ScanOutcome } from "../../jobs/dlq-scan.js";
import { RedisDigestStore } from "../../src/dlq/digests.js";
import { MemoryDigestPublisher } from "../../src/dlq/publisher.js";
import { RedisBindingStore } from "../../src/provision/bindings.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  startDlqHarness,
} from "../dlq/support/harness.js";
import { at, singlePlace } from "../dlq/support/place.js";

export interface BoundDomain {
  h: DlqHarness;
  url: string;
  bindings: RedisBindingStore;
  /** Puts `n` dead-letter messages with this error text, each for its own profile. */
  fail(errorMessage: string, n: number): void;
  /** Runs the scan job's steps, as the scheduler would: answers the scan id the digest shows. */
  scan(): Promise<string>;
  /** The same, answering what the scan did (posted, edited, locked, …). */
  scanOutcome(signal?: AbortSignal): Promise<ScanOutcome>;
  /** What the scans published, and the digest state they keep. */
  publisher: MemoryDigestPublisher;
  digests: RedisDigestStore;
}

export async function startBoundDomain(
  domain: string,
  channelId: string,
  boundAt = Date.now(),
): Promise<BoundDomain> {
  const h = await startDlqHarness();
  const url = await createDomainWithDlq(h, domain);
  const bindings = new RedisBindingStore(h.redis, h.prefix);
  await bindings.set({
    ...at(domain),
    channelId,
    teamId: "T0TEAM",
    queueUrl: url,
    boundBy: "U0ADMIN",
    boundAt: new Date(boundAt).toISOString(),
  });
  const fail = (errorMessage: string, n: number) => {
    for (let i = 0; i < n; i++) {
      putDeadLetter(h, url, {
        domain,
        objectTypeName: "CRM-Contact",
        errorMessage,
        object: { AccountNumber: `ACC-${errorMessage.length}-${i}`, FirstName: `Name${i}` },
      });
    }
  };
  const digests = new RedisDigestStore(h.redis, h.prefix);
  const publisher = new MemoryDigestPublisher();
  /** `signal`: as BullMQ gives the job, aborted when the worker is stopping. */
  const scanOutcome = (signal?: AbortSignal) =>
    runScan(
      {
        targets: singlePlace(h.gateways),
        bindings,
        digests,
        publisher,
        redis: h.redis,
        prefix: h.prefix,
        config: { dlq: { scanMaxMessages: 1_000 } },
        log: h.log,
        waitSeconds: 0,
      },
      at(domain),
      signal,
    );
  const scan = async () => {
    await scanOutcome();
    const scanId = (await digests.get(at(domain)))?.scanId;
    if (!scanId) throw new Error(`the scan of ${domain} recorded no scan id`);
    return scanId;
  };
  return { h, url, bindings, fail, scan, scanOutcome, publisher, digests };
}
