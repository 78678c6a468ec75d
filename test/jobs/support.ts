/**
 * What the job tests share: a domain with its own DLQ on the emulator, bound to a channel in
 * real Redis, and a way to put failed objects of one class into that DLQ.
 */
import { RedisBindingStore } from "../../src/provision/bindings.js";
import {
  createDomainWithDlq,
  type DlqHarness,
  putDeadLetter,
  startDlqHarness,
} from "../dlq/support/harness.js";

export interface BoundDomain {
  h: DlqHarness;
  url: string;
  bindings: RedisBindingStore;
  /** Puts `n` dead-letter messages with this error text, each for its own profile. */
  fail(errorMessage: string, n: number): void;
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
    domain,
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
  return { h, url, bindings, fail };
}
