/**
 * Dead-letter benchmarks against the AWS emulator through the real SDK clients:
 * (a) scan speed: 20,000 and 100,000 messages scanned, each against a bare loop of the same
 *     number of ReceiveMessage calls in flight (10) on the same queue in the same run, taking
 *     turns three times: the scan's median time to its summary over the bare loop's (target
 *     <= 1.3 at both sizes), and the same until its give-back has made every message visible
 *     again (the give-back runs on past the summary, src/dlq/scan.ts);
 *     scan memory: peak live-heap growth at 10,000 and 100,000 messages (the median of three
 *     runs each) and their ratio
 *     (target: flat, within 1.2x), with the part that is the message ids per class apart;
 * (b) re-ingest of 10,000 messages over 2,000 profiles (five objects each, in bursts as a DLQ
 *     holds them) at a 100/s global pace: achieved rate against the pace (target >= 0.95),
 *     the most objects one profile received within any 1 s window (must be <= 1), and
 *     messages lost (must be 0). The emulator dead-letters any object above one per profile
 *     per second, so a pacing fault shows up twice.
 *
 *   npm run bench -- dlq   (DLQ_BENCH=scan or DLQ_BENCH=reingest runs one half)
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ingestionIdle } from "../sandbox/aws/services/profiles.js";
import { enqueueMessage } from "../sandbox/aws/state.js";
import { createPacer } from "../src/dlq/pacing.js";
import { reingest } from "../src/dlq/reingest.js";
import {
  createDomainWithDlq,
  queueOf,
  startDlqHarness,
  storedObjects,
  THROTTLED,
} from "../test/dlq/support/harness.js";
import type { Benchmark, Figures } from "./index.js";
import { round } from "./lib.js";

const PACE = 100;
const REINGEST_MESSAGES = 10_000;
const PROFILES = 2_000;
/** Sizes whose scan is timed against the bare loop, and sizes whose scan memory is sampled. */
const TIMED_SIZES: readonly number[] = [20_000, 100_000];
const MEMORY_SIZES = [10_000, 100_000] as const;
/** The scan's default (DLQ_SCAN_RECEIVERS), and the bare loop's. */
const RECEIVERS = 10;
const ROUNDS = 3;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function scanInChild(
  url: string,
  size: number,
  mode: "scan" | "bare" | "memory",
  warmUpUrl: string,
) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--expose-gc",
      fileURLToPath(new URL("./support/scan-child.ts", import.meta.url)),
      url,
      String(size),
      mode,
      String(RECEIVERS),
      warmUpUrl,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`scan child exited ${code}`);
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
    total: number;
    peak: number;
    /** Heap held by the message ids per class in the scan's result (none: they stream to Redis). */
    ids: number;
    /** Until the scan's summary (a bare loop: until its last receive). */
    ms: number;
    /** Until every message the scan leased is visible again. */
    returnedMs: number;
    /** The give-back after the last receive: ChangeMessageVisibilityBatch, 10 in flight. */
    giveBackMs: number;
    /** CPU the child spent (user + system) until every message was visible again. */
    cpuMs: number;
  };
}

function body(i: number, account: number): string {
  return JSON.stringify({
    domainName: "amazon-connect-bench",
    objectTypeName: "Order",
    errorMessage: THROTTLED,
    object: JSON.stringify({
      OrderId: `o-${i}`,
      AccountNumber: `A-${account}`,
      Note: "bench order with a little text in it",
    }),
    timestamp: new Date().toISOString(),
  });
}

async function scanBench(log: (line: string) => void): Promise<Figures> {
  const scanPath = fileURLToPath(new URL("../src/dlq/scan.ts", import.meta.url));
  if (!existsSync(scanPath)) {
    log("src/dlq/scan.ts is absent: scan not measured");
    return { scan_measured: false };
  }
  const figures: Figures = { scan_receivers: RECEIVERS };
  const mib = (bytes: number) => round(bytes / 2 ** 20);
  const secs = (ms: number) => round(ms / 1000);
  const peaks = new Map<number, { peak: number; ids: number }>();
  const sizes = [...new Set([...MEMORY_SIZES, ...TIMED_SIZES])].sort((a, b) => a - b);
  for (const size of sizes) {
    const h = await startDlqHarness();
    try {
      const url = await createDomainWithDlq(h, `amazon-connect-scan${size}`);
      const queue = queueOf(h, url);
      // Scanned first by every child, untimed (bench/support/scan-child.ts says why).
      const warmUpUrl = await h.gateways.sqs.createQueue(`bench-warm-up-${size}`, { tags: {} });
      const warmUp = queueOf(h, warmUpUrl);
      for (let i = 0; i < 100; i++) enqueueMessage(warmUp, { body: body(i, i) }, Date.now());
      const label = size.toLocaleString("en-US");
      // Every run leases every message: each gets the queue afresh. Runs happen in child
      // processes, so the emulator's own work and memory stay out of their figures.
      const run = (mode: "scan" | "bare" | "memory") => {
        queue.messages = [];
        const now = Date.now();
        for (let i = 0; i < size; i++) enqueueMessage(queue, { body: body(i, i % PROFILES) }, now);
        return scanInChild(url, size, mode, warmUpUrl);
      };
      if (TIMED_SIZES.includes(size)) {
        // Bare loop and scan take turns, ROUNDS times, and each figure is the median of its
        // runs: a shared machine's load changes over a run, and must not favour either.
        const bares: number[] = [];
        const bareCpus: number[] = [];
        const scans: {
          ms: number;
          returnedMs: number;
          giveBackMs: number;
          cpuMs: number;
          total: number;
        }[] = [];
        for (let turn = 0; turn < ROUNDS; turn++) {
          const bare = await run("bare");
          if (bare.total !== size) throw new Error(`bare loop received ${bare.total} of ${size}`);
          bares.push(bare.ms);
          bareCpus.push(bare.cpuMs);
          scans.push(await run("scan"));
        }
        // The scanner's own CPU against the bare loop's: what the scan adds, less moved than
        // wall-clock time by other work on a shared machine.
        const cpuRatio = median(scans.map((s) => s.cpuMs)) / median(bareCpus);
        const bare = median(bares);
        const scan = median(scans.map((s) => s.ms));
        const returned = median(scans.map((s) => s.returnedMs));
        const giveBack = median(scans.map((s) => s.giveBackMs));
        const ratio = scan / bare;
        const returnedRatio = returned / bare;
        const list = (values: number[]) => values.map((v) => secs(v)).join(", ");
        log(
          `scan ${label}: summary ${list(scans.map((s) => s.ms))} s, all visible again ${list(scans.map((s) => s.returnedMs))} s (give-back ${list(scans.map((s) => s.giveBackMs))} s), counted ${scans.map((s) => s.total).join(", ")}; bare loop ${list(bares)} s`,
        );
        log(
          `scan/bare ${label} (medians): ${round(ratio)} to the summary (target <= 1.3); ${round(returnedRatio)} until every message is visible again; CPU ${round(cpuRatio)} (scan ${list(scans.map((s) => s.cpuMs))} s, bare ${list(bareCpus)} s)`,
        );
        figures[`scan_${size}_seconds`] = secs(scan);
        figures[`scan_${size}_returned_seconds`] = secs(returned);
        figures[`scan_${size}_give_back_seconds`] = secs(giveBack);
        figures[`scan_${size}_counted`] = Math.min(...scans.map((s) => s.total));
        figures[`bare_${size}_seconds`] = secs(bare);
        figures[`scan_over_bare_${size}`] = round(ratio);
        figures[`scan_returned_over_bare_${size}`] = round(returnedRatio);
        figures[`scan_cpu_over_bare_${size}`] = round(cpuRatio);
      }
      if ((MEMORY_SIZES as readonly number[]).includes(size)) {
        // ROUNDS runs, the median peak: one GC's timing moves a single run's peak by a MiB.
        const runs: { peak: number; ids: number; total: number }[] = [];
        for (let turn = 0; turn < ROUNDS; turn++) runs.push(await run("memory"));
        const peak = median(runs.map((r) => r.peak));
        const ids = median(runs.map((r) => r.ids));
        peaks.set(size, { peak, ids });
        log(
          `scan memory ${label}: peak heap +${runs.map((r) => mib(r.peak)).join(", ")} MiB (median +${mib(peak)}), of which message ids held in the result ${mib(ids)} MiB (streamed to Redis); counted ${runs.map((r) => r.total).join(", ")}`,
        );
        figures[`scan_${size}_peak_heap_mib`] = mib(peak);
        figures[`scan_${size}_ids_heap_mib`] = mib(ids);
      }
    } finally {
      await h.close();
    }
  }
  const [small, large] = MEMORY_SIZES.map((size) => peaks.get(size) ?? { peak: 0, ids: 0 });
  const ratio = (large?.peak ?? 0) / Math.max(1, small?.peak ?? 1);
  const withoutIds =
    ((large?.peak ?? 0) - (large?.ids ?? 0)) / Math.max(1, (small?.peak ?? 1) - (small?.ids ?? 0));
  log(`scan peak heap ratio 100k/10k: ${round(ratio)} (target <= 1.2)`);
  log(`  without the message ids per class: ${round(withoutIds)}`);
  figures.scan_heap_ratio = round(ratio);
  figures.scan_heap_ratio_without_ids = round(withoutIds);
  return figures;
}

async function reingestBench(log: (line: string) => void): Promise<Figures> {
  const h = await startDlqHarness({ profileObjectsPerSecond: 1 });
  try {
    const domain = "amazon-connect-bench";
    const url = await createDomainWithDlq(h, domain);
    const queue = queueOf(h, url);
    const now = Date.now();
    // Five objects per profile, one after the other: the bursts a throttled DLQ holds.
    const perProfile = REINGEST_MESSAGES / PROFILES;
    for (let i = 0; i < REINGEST_MESSAGES; i++) {
      enqueueMessage(queue, { body: body(i, Math.floor(i / perProfile)) }, now);
    }
    const pacer = createPacer({ limiter: h.limiter, globalRate: PACE, profileIntervalMs: 1100 });
    const start = performance.now();
    let lastLog = 0;
    const result = await reingest(
      {
        sqs: h.gateways.sqs,
        profiles: h.gateways.profiles,
        pacer,
        log: h.log,
        progress: (p) => {
          if (p.elapsedMs - lastLog >= 15_000) {
            lastLog = p.elapsedMs;
            log(`  … ${p.done} done, ${p.rate.toFixed(1)}/s`);
          }
        },
      },
      {
        domain,
        queueUrl: url,
        selection: { class: "throttled" },
        maxMessages: REINGEST_MESSAGES,
        waitSeconds: 0,
        expected: REINGEST_MESSAGES,
        // The pace is what is measured: no watch for came-backs after the last put (the
        // emulator's ingestion is checked directly below).
        settleMs: 0,
      },
    );
    const seconds = (performance.now() - start) / 1000;
    await ingestionIdle(h.emulator.ctx.state);

    // Per profile, the most objects that arrived within any 1 s window.
    const byProfile = new Map<string, number[]>();
    const objects = storedObjects(h, domain);
    for (const o of objects)
      byProfile.set(o.profileId, [...(byProfile.get(o.profileId) ?? []), o.ingestedAt]);
    let maxPerSecond = 0;
    for (const times of byProfile.values()) {
      times.sort((a, b) => a - b);
      let lo = 0;
      for (let hi = 0; hi < times.length; hi++) {
        while ((times[hi] as number) - (times[lo] as number) >= 1000) lo++;
        maxPerSecond = Math.max(maxPerSecond, hi - lo + 1);
      }
    }
    const orders = new Set(objects.map((o) => JSON.parse(o.object).OrderId as string));
    for (const m of queue.messages) {
      orders.add(JSON.parse(JSON.parse(m.body).object).OrderId as string);
    }
    const lost = REINGEST_MESSAGES - orders.size;
    const rate = result.done / seconds;
    log(
      `re-ingest ${REINGEST_MESSAGES.toLocaleString("en-US")} over ${byProfile.size.toLocaleString("en-US")} profiles: ${round(seconds)} s, ${round(rate)}/s at a ${PACE}/s pace = ${round(rate / PACE, 3)} (target >= 0.95)`,
    );
    log(
      `max objects per profile in any 1 s: ${maxPerSecond} (must be <= 1); throttled again into the DLQ: ${queue.messages.length}; lost: ${lost} (must be 0)`,
    );
    return {
      reingest_messages: REINGEST_MESSAGES,
      reingest_profiles: byProfile.size,
      reingest_done: result.done,
      reingest_seconds: round(seconds),
      reingest_rate: round(rate),
      reingest_pace: PACE,
      reingest_rate_over_pace: round(rate / PACE, 3),
      reingest_max_per_profile_per_second: maxPerSecond,
      reingest_rethrottled: queue.messages.length,
      reingest_lost: lost,
    };
  } finally {
    await h.close();
  }
}

const bench: Benchmark = {
  description:
    "DLQ scan 20k and 100k against a bare loop of 10 receives in flight (ratio, target <= 1.3), scan memory 10k vs 100k (ratio, target <= 1.2); re-ingest 10k at 100/s over 2k profiles (rate/pace >= 0.95, <= 1 per profile per s, 0 lost)",
  async run(log) {
    // DLQ_BENCH=scan or DLQ_BENCH=reingest runs one half.
    const only = process.env.DLQ_BENCH;
    const scan = only === "reingest" ? {} : await scanBench(log);
    const re = only === "scan" ? {} : await reingestBench(log);
    return { ...scan, ...re };
  },
};

export default bench;
