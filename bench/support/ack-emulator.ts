/**
 * The AWS emulator for bench/ack's loaded scenario, in a process of its own so its work does
 * not count as the bot's or the load generator's. It holds two domains, each with its own
 * dead-letter queue of throttled objects (one object per profile, so re-ingest paces only on
 * the global rate): a re-ingest source of REINGEST messages and a scan target of SCAN
 * messages. Neither is tagged with a channel yet, so a bot started against it stays idle until
 * the bench tags them. Prints one JSON line with the URL and domain names, then runs until
 * killed.
 *   node --import tsx bench/support/ack-emulator.ts REINGEST SCAN
 */
import {
  createDomainWithDlq,
  putDeadLetter,
  startDlqHarness,
  THROTTLED,
} from "../../test/dlq/support/harness.js";

const [reingestCount = "0", scanCount = "0"] = process.argv.slice(2);
const h = await startDlqHarness();
const domains = { reingest: "amazon-connect-ackreingest", scan: "amazon-connect-ackscan" };
const sizes = { reingest: Number(reingestCount), scan: Number(scanCount) };
for (const key of ["reingest", "scan"] as const) {
  const domain = domains[key];
  const url = await createDomainWithDlq(h, domain);
  for (let i = 0; i < sizes[key]; i++) {
    putDeadLetter(h, url, {
      domain,
      objectTypeName: "Order",
      errorMessage: THROTTLED,
      object: { OrderId: `${key}-${i}`, AccountNumber: `${key}-${i}`, Note: "bench order" },
    });
  }
}
// The harness's Redis connection is not needed here; the bench owns the bot's prefix.
await h.redis.quit();
console.log(JSON.stringify({ url: h.emulator.url, domains }));
const stop = () => {
  h.clients.destroy();
  void h.emulator.close().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
