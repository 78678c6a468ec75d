/**
 * Slash-command ack latency of profiles-bot against a bare Bolt app, same machine, same
 * run: thousands of signed `/profiles help` requests, 50 in flight, alternating rounds so
 * both see the same conditions. Target: bot p99 within 1.2x of bare Bolt's.
 */
import { createServer } from "node:net";
import { App } from "@slack/bolt";
import { signSlackRequest, startSlackStandIn } from "../sandbox/slack/index.js";
import { deletePrefix, testPrefix } from "../sandbox/stack.js";
import { loadConfig } from "../src/config.js";
import { boltLogger, createLogger } from "../src/logger.js";
import { startRuntime } from "../src/runtime.js";
import type { Benchmark } from "./index.js";
import { percentile, round, timedPool } from "./lib.js";

const SECRET = "bench-signing-secret";
const TOKEN = "xoxb-bench-token";
const REQUESTS_PER_ROUND = 1_000;
const ROUNDS = 3;
const CONCURRENCY = 50;

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

function commandBody(i: number): string {
  return new URLSearchParams({
    token: "x",
    team_id: "T0SANDBOX",
    team_domain: "sandbox",
    channel_id: "C0OPS",
    channel_name: "contact-centre-ops",
    user_id: "U0ADMIN",
    user_name: "sandbox-admin",
    command: "/profiles",
    text: "help",
    api_app_id: "A0BENCH",
    response_url: "http://127.0.0.1:9/response/x",
    trigger_id: `bench.${i}`,
  }).toString();
}

async function send(url: string, i: number): Promise<void> {
  const body = commandBody(i);
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": signSlackRequest(SECRET, ts, body),
    },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
}

const boltLoggerSilent = () => boltLogger(createLogger("silent"));

const bench: Benchmark = {
  description: "slash-command ack latency, profiles-bot vs bare Bolt (p99 ratio, target <= 1.2)",
  async run(log) {
    const slack = await startSlackStandIn({ port: 0, signingSecret: SECRET });
    const prefix = testPrefix();
    const config = loadConfig({
      ROLE: "bot",
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      HOST: "127.0.0.1",
      PORT: "0",
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: "silent",
      REDIS_URL: process.env.REDIS_URL,
    });
    const silent = createLogger("silent");
    const bot = await startRuntime(config, silent);

    const barePort = await freePort();
    const bare = new App({
      token: TOKEN,
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: slack.apiUrl },
      logger: boltLoggerSilent(),
    });
    bare.command("/profiles", async ({ ack }) => {
      await ack({ response_type: "ephemeral", text: "/profiles help: Show this list." });
    });
    await bare.start({ port: barePort, host: "127.0.0.1" });

    const targets = {
      bare: `http://127.0.0.1:${barePort}/slack/events`,
      bot: `${bot.url}/slack/events`,
    };
    const samples: Record<keyof typeof targets, number[]> = { bare: [], bot: [] };
    try {
      for (const url of Object.values(targets))
        await timedPool(200, CONCURRENCY, (i) => send(url, i));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (["bare", "bot"] as const) : (["bot", "bare"] as const);
        for (const name of order) {
          samples[name].push(
            ...(await timedPool(REQUESTS_PER_ROUND, CONCURRENCY, (i) => send(targets[name], i))),
          );
        }
      }
    } finally {
      await bare.stop();
      await bot.stop();
      await slack.close();
      await deletePrefix(config, prefix);
    }
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
    };
    const b = stats(samples.bare);
    const o = stats(samples.bot);
    const ratio = round(o.p99 / b.p99, 3);
    log(`requests: ${samples.bot.length} per app, ${CONCURRENCY} in flight`);
    log(`bare Bolt:   p50 ${b.p50} ms  p99 ${b.p99} ms`);
    log(`profiles-bot: p50 ${o.p50} ms  p99 ${o.p99} ms`);
    log(`p99 ratio ${ratio} (target <= 1.2): ${ratio <= 1.2 ? "met" : "NOT met"}`);
    return {
      requests: samples.bot.length,
      concurrency: CONCURRENCY,
      bare_p50_ms: b.p50,
      bare_p99_ms: b.p99,
      bot_p50_ms: o.p50,
      bot_p99_ms: o.p99,
      p99_ratio: ratio,
      p50_ratio: round(o.p50 / b.p50, 3),
      target_met: ratio <= 1.2,
    };
  },
};

export default bench;
