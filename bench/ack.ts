/**
 * Slash-command ack latency of profiles-bot against a bare Bolt app, same machine, same run.
 * Each runs in a process of its own, the bot compiled as `npm start` runs it (here with
 * `ROLE=all`, the default: the Slack listeners, with the job workers on a worker thread,
 * docs/adr/0014). This process only sends signed `/profiles help` requests, 50 in flight, in
 * short rounds that alternate between the two apps.
 *
 * 1. Idle: the bot's workers have nothing to do. Targets: bot p50 and p99 within 1.2x of
 *    bare Bolt's.
 * 2. Loaded: after the quiet minute of the idle RSS reading (3), both apps are warmed up again
 *    as before phase 1, and the p99 of those first requests after quiet is reported, not
 *    compared. Then the same bot re-ingests a class of throttled objects at 100/s while it scans a
 *    dead-letter queue of 20,000 messages (again every few seconds), against an AWS emulator
 *    in a process of its own at the lowest CPU priority (AWS's work is not on our machine).
 *    Target: bot p99 within 1.5x of bare Bolt's idle p99. Bare Bolt's p99 in the rounds in
 *    between is reported too, to tell the bot's own slowdown from the machine's.
 * 3. Memory: the RSS of ROLE=all's process just started, right after the idle phase's
 *    requests, idle (SETTLE_MS later, with no request and no job: target <= 150 MB), right
 *    after the loaded phase, and idle again once its jobs are over (both domains unbound, the
 *    re-ingest finished, SETTLE_MS later): what a bot holds between two scans.
 *
 * Each app's CPU time per request in the idle phase (all its threads, and its main thread
 * alone, from the kernel's counters) is reported beside the latencies: at 50 in flight on 2
 * cores the latency ratio is mostly the ratio of what each request costs, and the CPU figure
 * moves far less from run to run than the latencies do.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { ACCOUNT_ID } from "../sandbox/aws/state.js";
import { signSlackRequest, startSlackStandIn } from "../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../sandbox/stack.js";
import { createAwsClients } from "../src/aws/clients.js";
import { createGateways } from "../src/aws/gateways.js";
import { refId } from "../src/aws/targets.js";
import { loadConfig } from "../src/config.js";
import { RedisDigestStore } from "../src/dlq/digests.js";
import { DOMAIN_TAGS } from "../src/provision/bindings.js";
import { createQueues } from "../src/queues/index.js";
import { lockKey } from "../src/queues/lock.js";
import { JOBS } from "../src/queues/names.js";
import { enqueueReingest, reingestJobId } from "../src/queues/reingest.js";
import type { Benchmark } from "./index.js";
import { percentile, round, timedPool } from "./lib.js";
import {
  buildDist,
  processCpuMs,
  reniceProcess,
  repoRoot,
  roleAllMemory,
  startArgs,
  stopChild,
  waitFor,
} from "./support/processes.js";

const SECRET = "bench-signing-secret";
const TOKEN = "xoxb-bench-token";
const CONCURRENCY = 50;
/** Short rounds, so that both apps sample nearly the same moments of a shared machine. */
const ROUND = 150;
/**
 * 30,000 requests per app idle and 45,000 loaded. A p99 is set by a few stalls, each of which
 * delays the 50 requests in flight at once: of 9,000 requests (60 rounds) it moved from 0.81x
 * to 1.58x bare Bolt's between runs of the same code; of 30,000, three runs gave 0.86-0.97x.
 */
const IDLE_ROUNDS = 200;
/**
 * Requests each app answers before anything is measured. V8 goes on compiling a request's
 * path with its optimising compiler, on its helper threads, for the first few thousand
 * requests: measured 1,000 at a time, both apps' CPU per request fell until about 4,000 on
 * Node 20 and about 8,000 on Node 22, from 2 to 3.5 times its settled value, and the bot, with
 * more code on its path, took longer to settle. With 400, as before, most of the measured
 * requests fell in that warm-up.
 */
const WARM_UP = 4_000;
const LOADED_ROUNDS = 300;
/** Messages re-ingested at 100/s: long enough to outlast the loaded phase. */
const REINGEST_MESSAGES = 6_000;
const SCAN_MESSAGES = 20_000;
const CHANNEL = "C0OPS";
/**
 * How long the bot gets with nothing to do before its idle RSS is read. V8's memory reducer
 * gives back the heap a burst of requests grew once the process has been quiet for a while:
 * here between 10 and 25 s after the burst, from run to run, so a reading at 20 s was
 * sometimes before it and sometimes after. It is also read at EARLY_MS, for the record.
 */
const SETTLE_MS = 60_000;
const EARLY_MS = 20_000;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once("error", reject);
  });
}

/**
 * A TypeScript file in a process of its own; resolves with the first JSON line it prints
 * (its address). What it prints later is read and dropped.
 */
async function child(
  file: string,
  args: string[],
): Promise<{ proc: ChildProcess; first: Record<string, unknown> }> {
  const proc = start(["--import", "tsx", file, ...args]);
  let out = "";
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      proc.off("exit", onExit);
      proc.stdout?.off("data", onData);
      proc.stdout?.resume();
      resolve(JSON.parse(line) as Record<string, unknown>);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${file} exited ${code} before it was ready`));
    proc.stdout?.on("data", onData);
    proc.once("exit", onExit);
  });
  return { proc, first };
}

/** Node with these arguments, from the repository's root. */
function start(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
  });
}

function commandBody(i: number): string {
  return new URLSearchParams({
    token: "x",
    team_id: "T0SANDBOX",
    team_domain: "sandbox",
    channel_id: CHANNEL,
    channel_name: "contact-centre-ops",
    user_id: "U0ADMIN",
    user_name: "sandbox-admin",
    command: "/profiles",
    text: "help",
    api_app_id: "A0BENCH",
    response_url: "http://127.0.0.1:9/response/x",
    trigger_id: `bench.${i}.${Math.random().toString(36).slice(2)}`,
  }).toString();
}

/**
 * The load generator's client: node's own HTTP client on kept-alive connections, as Slack
 * sends its requests. `fetch` (undici) cost this process 0.42 to 0.48 ms of CPU a request,
 * more than twice what either app spends answering it: on 2 cores the generator took most of
 * one, and its own pauses landed in whichever app's round was running. This client costs
 * about 0.1 ms (docs/performance.md).
 */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(url: string, i: number): Promise<void> {
  const body = commandBody(i);
  const ts = Math.floor(Date.now() / 1000);
  return new Promise<void>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          "x-slack-request-timestamp": String(ts),
          "x-slack-signature": signSlackRequest(SECRET, ts, body),
        },
      },
      (res) => {
        res.resume();
        res.once("end", () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`${url} answered ${res.statusCode}`)),
        );
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

/** ROLE=all's resident memory (MB): its one process, the listeners' and the worker thread's. */
const rssOf = (pid: number | undefined) => roleAllMemory(pid).rss;

/** Redis's process id when it runs on this machine (INFO's process_id names one in /proc). */
async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const pid = Number(/process_id:(\d+)/.exec(await redis.info("server"))?.[1]);
  if (!pid) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("redis") ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time of all the threads counted (ms). */
const allThreads = (byThread: Record<string, number>) =>
  Object.values(byThread).reduce((sum, ms) => sum + ms, 0);

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
};

const bench: Benchmark = {
  description:
    "slash-command ack latency, profiles-bot (ROLE=all) vs bare Bolt, idle and under job load; RSS",
  async run(log) {
    const slack = await startSlackStandIn({ port: 0, signingSecret: SECRET });
    const prefix = testPrefix();
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const procs: ChildProcess[] = [];
    const config = loadConfig({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      AWS_REGION: "us-east-1",
      QUEUE_PREFIX: prefix,
      REDIS_URL: redisUrl,
    });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queues = createQueues(redis, prefix);
    try {
      const emulator = await child(here("./support/ack-emulator.ts"), [
        String(REINGEST_MESSAGES),
        String(SCAN_MESSAGES),
      ]);
      procs.push(emulator.proc);
      // The emulator stands in for AWS, whose work is not on the bot's machine: it gets the
      // CPU the others leave: all of its threads, V8's garbage collectors with its main one.
      reniceProcess(emulator.proc.pid, 19);
      const awsUrl = emulator.first.url as string;
      const domains = emulator.first.domains as { reingest: string; scan: string };

      const barePort = await freePort();
      const bare = await child(here("./support/ack-bare.ts"), [
        String(barePort),
        SECRET,
        slack.apiUrl,
      ]);
      procs.push(bare.proc);

      const botPort = await freePort();
      // As `npm start` runs it: built, then the compiled main with its flags (docs/adr/0008).
      buildDist();
      const bot = start(startArgs, {
        ROLE: "all",
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: awsUrl,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        HOST: "127.0.0.1",
        PORT: String(botPort),
        QUEUE_PREFIX: prefix,
        REDIS_URL: redisUrl,
        LOG_LEVEL: "warn",
        PROFILES_ADMINS: "U0ADMIN",
        DLQ_SCAN_INTERVAL: "5s",
        DLQ_RECONCILE_INTERVAL: "1s",
        DLQ_SCAN_MAX_MESSAGES: String(SCAN_MESSAGES),
        REINGEST_RATE: "100",
      });
      procs.push(bot);
      // Its log lines (warnings and errors only) are read and dropped.
      bot.stdout?.resume();
      const targets = {
        bare: bare.first.url as string,
        bot: `http://127.0.0.1:${botPort}/slack/events`,
      };
      const pids = { bare: bare.proc.pid, bot: bot.pid };
      await waitFor("the bot's /healthz", 30_000, async () => {
        const res = await fetch(`http://127.0.0.1:${botPort}/healthz`);
        return res.status === 200 ? true : undefined;
      });

      // Short rounds in turn, each app with the whole load generator: sent to both at once,
      // this process becomes the bottleneck and the two latencies converge whatever the apps do.
      // Each app's CPU time during its own rounds only (ms), by thread name: the main one as
      // "main", the bot's worker thread, node's own threads.
      const cpu: Record<"bare" | "bot", Record<string, number>> = { bare: {}, bot: {} };
      const rounds = async (
        count: number,
        samples: Record<"bare" | "bot", number[]>,
        until?: () => boolean,
      ) => {
        for (let r = 0; r < count && !until?.(); r++) {
          const order = r % 2 === 0 ? (["bare", "bot"] as const) : (["bot", "bare"] as const);
          for (const name of order) {
            const before = processCpuMs(pids[name]);
            samples[name].push(
              ...(await timedPool(ROUND, CONCURRENCY, (i) => send(targets[name], i))),
            );
            const after = processCpuMs(pids[name]);
            for (const [thread, ms] of Object.entries(after.threads))
              cpu[name][thread] = (cpu[name][thread] ?? 0) + ms - (before.threads[thread] ?? 0);
          }
        }
      };
      // Started, nothing asked of it yet; the worker thread answers no port, so it gets a
      // few seconds to load.
      await new Promise((r) => setTimeout(r, 5_000));
      const rssStarted = rssOf(bot.pid);
      // WARM_UP requests to each app in turn, not measured; their latencies, per app.
      const warmUp = async () => ({
        bare: await timedPool(WARM_UP, CONCURRENCY, (i) => send(targets.bare, i)),
        bot: await timedPool(WARM_UP, CONCURRENCY, (i) => send(targets.bot, i)),
      });
      await warmUp();

      // 1. Idle.
      const idle = { bare: [] as number[], bot: [] as number[] };
      await rounds(IDLE_ROUNDS, idle);
      const idleCpu = structuredClone(cpu);
      const rssAfterRequests = rssOf(bot.pid);
      await new Promise((r) => setTimeout(r, EARLY_MS));
      const rssEarly = rssOf(bot.pid);
      await new Promise((r) => setTimeout(r, SETTLE_MS - EARLY_MS));
      const rssIdle = rssOf(bot.pid);

      // Warm again before the loaded phase, as before the idle one: after the quiet minute the
      // RSS reading needs, both apps answered their first few thousand requests several times
      // slower (bare Bolt too, and the bot without its give-back, docs/performance.md), which
      // set the loaded p99 whatever the jobs did. Those requests' p99 is reported, not compared.
      const cold = await warmUp();

      // 2. Loaded: binding both domains starts their scans at the next reconcile (1 s); the
      //    re-ingest of the first domain's class starts once its digest names a scan.
      const aws = createAwsClients({
        ...config.aws,
        endpoint: awsUrl,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      const { profiles } = createGateways(aws);
      const digests = new RedisDigestStore(redis, prefix);
      // The emulator's default account, in the bot's region.
      const place = { account: ACCOUNT_ID, region: config.aws.region ?? "us-east-1" };
      const reingestRef = { ...place, domain: domains.reingest };
      const scanRef = { ...place, domain: domains.scan };
      await profiles.tagDomain(domains.reingest, { [DOMAIN_TAGS.channel]: CHANNEL });
      const scanId = await waitFor("the first scan of the re-ingest domain", 120_000, async () => {
        return (await digests.get(reingestRef))?.scanId;
      });
      const enqueued = await enqueueReingest(queues, {
        ...reingestRef,
        cls: "throttled",
        scanId,
        requestedBy: "U0ADMIN",
        channel: CHANNEL,
      });
      const jobId = reingestJobId(JOBS.reingest, { ...reingestRef, cls: "throttled" });
      await profiles.tagDomain(domains.scan, { [DOMAIN_TAGS.channel]: CHANNEL });
      // The phase counts from the moment the 20,000-message scan is under way.
      const scanning = await waitFor("the 20,000-message scan to start", 60_000, async () => {
        const lock = await redis.exists(lockKey(prefix, "dlq-scan", refId(scanRef)));
        return lock ? true : undefined;
      }).catch(() => false);
      const scansBefore = (await digests.get(scanRef))?.lastScanAt;
      // Finished jobs are removed, so a job that is gone has finished.
      const reingestState = async () => {
        const job = await queues.reingest.getJob(jobId);
        return job ? await job.getState() : "gone";
      };
      const reingestFinished = async () =>
        ["gone", "completed", "failed"].includes(await reingestState());
      const stateAtStart = await reingestState();
      const loaded = { bare: [] as number[], bot: [] as number[] };
      let reingestDone = false;
      const watch = setInterval(() => {
        void reingestFinished().then((done) => {
          if (done) reingestDone = true;
        });
      }, 500);
      const started = performance.now();
      const threadsBefore = processCpuMs(bot.pid).threads;
      // What the services the bot uses spent meanwhile, on the same 2 cores: the AWS emulator,
      // and Redis when it runs on this machine (its pid from INFO, if /proc has it).
      const redisPid = await localRedisPid(redis);
      const servicesBefore = {
        aws: processCpuMs(emulator.proc.pid).all,
        redis: redisPid ? processCpuMs(redisPid).all : 0,
      };
      await rounds(LOADED_ROUNDS, loaded, () => reingestDone);
      const threadsAfter = processCpuMs(bot.pid).threads;
      const servicesCpu = {
        aws: round((processCpuMs(emulator.proc.pid).all - servicesBefore.aws) / 1000, 2),
        redis: redisPid ? round((processCpuMs(redisPid).all - servicesBefore.redis) / 1000, 2) : 0,
      };
      clearInterval(watch);
      const loadedSeconds = round((performance.now() - started) / 1000, 1);
      const stateAtEnd = await reingestState();
      const scanned = await digests.get(scanRef);
      const rssAfter = rssOf(bot.pid);
      // Idle again: no more scans once the domains are unbound, and the re-ingest runs out.
      for (const domain of Object.values(domains))
        await profiles.untagDomain(domain, [DOMAIN_TAGS.channel]);
      const reingestOver = await waitFor("the re-ingest to finish", 180_000, async () =>
        (await reingestFinished()) ? true : undefined,
      ).catch(() => false);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const rssIdleAfter = rssOf(bot.pid);
      aws.destroy();

      const bi = stats(idle.bare);
      const oi = stats(idle.bot);
      const bc = stats(cold.bare);
      const oc = stats(cold.bot);
      const bl = stats(loaded.bare);
      const ol = stats(loaded.bot);
      const p50Ratio = round(oi.p50 / bi.p50, 3);
      const p99Ratio = round(oi.p99 / bi.p99, 3);
      const loadedRatio = round(ol.p99 / bi.p99, 3);
      // The machine is shared: this tells the bot's own slowdown from everyone's.
      const sameTimeRatio = round(ol.p99 / bl.p99, 3);
      const met = (x: number, target: number) => (x <= target ? "met" : "NOT met");
      const perRequest = (ms: number) => round(ms / idle.bot.length, 3);
      const cpuMs = {
        bare: perRequest(allThreads(idleCpu.bare)),
        bareMain: perRequest(idleCpu.bare.main ?? 0),
        bot: perRequest(allThreads(idleCpu.bot)),
        botMain: perRequest(idleCpu.bot.main ?? 0),
      };
      const cpuRatio = round(cpuMs.bot / cpuMs.bare, 3);
      const cpuMainRatio = round(cpuMs.botMain / cpuMs.bareMain, 3);
      log(`requests: idle ${idle.bot.length} per app, ${CONCURRENCY} in flight`);
      log(`idle  bare Bolt:    p50 ${bi.p50} ms  p99 ${bi.p99} ms`);
      log(`idle  profiles-bot: p50 ${oi.p50} ms  p99 ${oi.p99} ms`);
      log(`p50 ratio ${p50Ratio} (target <= 1.2): ${met(p50Ratio, 1.2)}`);
      log(`p99 ratio ${p99Ratio} (target <= 1.2): ${met(p99Ratio, 1.2)}`);
      log(
        `idle CPU per request: bare Bolt ${cpuMs.bare} ms (main thread ${cpuMs.bareMain}), ` +
          `profiles-bot ${cpuMs.bot} ms (main thread ${cpuMs.botMain}); ratio ${cpuRatio} (main thread ${cpuMainRatio})`,
      );
      const idleThreadCpu = Object.entries(idleCpu.bot)
        .map(([name, ms]) => `${name} ${perRequest(ms)}`)
        .join(", ");
      log(`idle CPU per request, the bot's by thread (ms): ${idleThreadCpu}`);
      log(
        `after ${SETTLE_MS / 1000} s of quiet, the first ${WARM_UP} requests (warm-up, not compared): ` +
          `bare Bolt p99 ${bc.p99} ms, profiles-bot p99 ${oc.p99} ms`,
      );
      log(
        `loaded (${loadedSeconds} s, ${loaded.bot.length} requests; re-ingest job ${enqueued.status}, ${stateAtStart} -> ${stateAtEnd}; ` +
          `scan ${scanning ? "running at the start" : "NOT seen running"}, ${scanned?.lastScanAt !== scansBefore ? `finished during the phase (${scanned?.lastSummary?.total ?? 0} messages)` : "not finished during the phase"})`,
      );
      const threadCpu = Object.entries(threadsAfter)
        .map(([name, ms]) => `${name} ${round((ms - (threadsBefore[name] ?? 0)) / 1000, 2)} s`)
        .join(", ");
      log(`loaded: the bot's CPU by thread: ${threadCpu}`);
      log(
        `loaded: the AWS emulator's CPU ${servicesCpu.aws} s, Redis's ${redisPid ? `${servicesCpu.redis} s` : "not on this machine"}`,
      );
      log(`loaded bare Bolt:    p50 ${bl.p50} ms  p99 ${bl.p99} ms`);
      log(`loaded profiles-bot: p50 ${ol.p50} ms  p99 ${ol.p99} ms`);
      log(`loaded p99 / idle bare p99 ${loadedRatio} (target <= 1.5): ${met(loadedRatio, 1.5)}`);
      log(`loaded p99 / bare p99 in the rounds between ${sameTimeRatio}`);
      log(`ROLE=all RSS just started: ${rssStarted} MB`);
      log(`ROLE=all RSS right after the idle phase's requests: ${rssAfterRequests} MB`);
      log(`ROLE=all RSS ${EARLY_MS / 1000} s after them: ${rssEarly} MB`);
      log(
        `ROLE=all RSS idle, ${SETTLE_MS / 1000} s after them: ${rssIdle} MB; target <= 150: ${met(rssIdle, 150)}`,
      );
      log(`ROLE=all RSS right after the loaded phase: ${rssAfter} MB`);
      log(
        `ROLE=all RSS idle again, ${SETTLE_MS / 1000} s after its jobs ended: ${rssIdleAfter} MB` +
          (reingestOver ? "" : " (the re-ingest had NOT finished)"),
      );
      return {
        requests: idle.bot.length,
        concurrency: CONCURRENCY,
        bare_p50_ms: bi.p50,
        bare_p99_ms: bi.p99,
        bot_p50_ms: oi.p50,
        bot_p99_ms: oi.p99,
        p50_ratio: p50Ratio,
        p99_ratio: p99Ratio,
        bare_cpu_ms_per_request: cpuMs.bare,
        bot_cpu_ms_per_request: cpuMs.bot,
        cpu_ratio: cpuRatio,
        bare_main_cpu_ms_per_request: cpuMs.bareMain,
        bot_main_cpu_ms_per_request: cpuMs.botMain,
        main_cpu_ratio: cpuMainRatio,
        after_quiet_bare_p99_ms: bc.p99,
        after_quiet_bot_p99_ms: oc.p99,
        loaded_requests: loaded.bot.length,
        loaded_seconds: loadedSeconds,
        loaded_bare_p99_ms: bl.p99,
        loaded_bot_p50_ms: ol.p50,
        loaded_bot_p99_ms: ol.p99,
        loaded_p99_ratio: loadedRatio,
        loaded_p99_vs_bare_alongside: sameTimeRatio,
        rss_started_mb: rssStarted,
        rss_after_idle_requests_mb: rssAfterRequests,
        rss_early_mb: rssEarly,
        rss_idle_mb: rssIdle,
        rss_after_load_mb: rssAfter,
        rss_idle_after_load_mb: rssIdleAfter,
        target_met: p50Ratio <= 1.2 && p99Ratio <= 1.2 && loadedRatio <= 1.5 && rssIdle <= 150,
      };
    } finally {
      for (const proc of procs.reverse()) await stopChild(proc);
      agent.destroy();
      await queues.close();
      await slack.close();
      await redis.quit();
      await deletePrefix(config, prefix);
    }
  },
};

export default bench;
