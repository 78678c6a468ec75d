/**
 * Runs one DLQ scan in a process of its own and prints its time and peak live-heap growth
 * (sampled after a forced GC) as JSON, so the emulator's memory (in the parent) does not count as the scanner's.
 *   node --import tsx --expose-gc bench/support/scan-child.ts QUEUE_URL MAX_MESSAGES
 */
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { scanQueue } from "../../src/dlq/scan.js";
import { createLogger } from "../../src/logger.js";

const [queueUrl = "", max = "0"] = process.argv.slice(2);
const endpoint = new URL(queueUrl).origin;
const clients = createAwsClients({
  region: "us-east-1",
  endpoint,
  maxAttempts: 3,
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});
const { sqs } = createGateways(clients);
const gc = (globalThis as { gc?: () => void }).gc;

gc?.();
const base = process.memoryUsage().heapUsed;
let peak = 0;
// Live memory, not garbage: collect before each sample, so the figure is what the scan holds.
const timer = setInterval(() => {
  gc?.();
  peak = Math.max(peak, process.memoryUsage().heapUsed - base);
}, 250);
const start = performance.now();
const result = await scanQueue(
  { sqs, log: createLogger("silent") },
  { queueUrl, maxMessages: Number(max), samplesPerClass: 3, waitSeconds: 0, leaseSeconds: 600 },
);
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().heapUsed - base);
clients.destroy();
console.log(JSON.stringify({ ms: performance.now() - start, peak, total: result.total }));
