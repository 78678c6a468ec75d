/**
 * Redis restarts empty under a running bot: a redis-server of the test's own (on a free
 * port, no persistence) is killed and started again on the same port while the whole stack
 * runs against it. The reconcile interval is left at its default (60 s), so what brings the
 * scans back is the reconcile every worker runs when its connection is ready again, not the
 * timer: /healthz goes 503, then ok; the binding comes back from the domain's tag; the
 * digest is posted again in the same channel. Skipped when redis-server is not installed.
 */
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import { createLogger } from "../../src/logger.js";
import { createDomainWithDlq } from "../dlq/support/harness.js";
import { startTestStack } from "../support/e2e.js";
import { eventually } from "../support/eventually.js";
import { type OwnRedis, startOwnRedis } from "../support/redis-server.js";

const CHANNEL = "C0OPS";
const DOMAIN = "amazon-connect-redisrestart";
const REGION = "us-east-1";

const hasRedisServer = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let redis: OwnRedis;
let stack: Stack;
let aws: ReturnType<typeof createAwsClients>;
let queueUrl: string;
/** The bot's log lines, as JSON. */
const lines: Record<string, unknown>[] = [];

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`${stack.runtime.url}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

const digests = (): MessageRecord[] =>
  stack.slack.timeline
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && m.text.startsWith(`Dead-letter queue of ${DOMAIN}`));

beforeAll(async () => {
  if (!hasRedisServer) return;
  redis = await startOwnRedis(["--maxmemory-policy", "noeviction"]);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  stack = await startTestStack({
    env: { REDIS_URL: redis.url, DLQ_SCAN_INTERVAL: "1h" },
    log: createLogger("info", sink),
  });
  aws = createAwsClients({
    region: REGION,
    endpoint: stack.emulator.url,
    maxAttempts: 2,
    credentials: SANDBOX_AWS_CREDENTIALS,
  });
  queueUrl = await createDomainWithDlq({ gateways: createGateways(aws), clients: aws }, DOMAIN);
}, 60_000);

afterAll(async () => {
  aws?.destroy();
  await stack?.stop();
  await redis?.stop("SIGKILL");
});

describe.skipIf(!hasRedisServer)("Redis restarts empty", () => {
  it("answers 503 while it is gone, then reconciles on reconnect: ok again and the digest back in the same channel", async () => {
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          domainName: DOMAIN,
          objectTypeName: "CRM-Contact",
          errorMessage: "Too many objects ingested on profile per second",
          object: JSON.stringify({ AccountNumber: "4242" }),
          timestamp: new Date().toISOString(),
        }),
      }),
    );
    expect((await stack.slack.driver.type(`/profiles alerts ${DOMAIN}`)).status).toBe(200);
    await stack.slack.timeline.waitFor(() => digests()[0], {
      timeoutMs: 15_000,
      description: "the first digest",
    });
    expect((await eventually(health, (h) => h.body.status === "ok")).status).toBe(200);

    await redis.stop("SIGKILL");
    const down = await eventually(health, (h) => h.status === 503);
    expect(down).toEqual({ status: 503, body: { ok: false, status: "down", redis: "down" } });

    await redis.start();
    const healed = await eventually(health, (h) => h.body.status === "ok");
    expect(healed).toEqual({ status: 200, body: { ok: true, status: "ok", redis: "up" } });

    const again = await stack.slack.timeline.waitFor(
      () => (digests().length > 1 ? digests().at(-1) : undefined),
      { timeoutMs: 20_000, description: "the digest after the restart" },
    );
    expect(again.channel).toBe(CHANNEL);
    const reconciled = lines.find(
      (l) =>
        l.why === "reconnect" &&
        Array.isArray(l.added) &&
        (l.added as string[]).some((id) => id.endsWith(`.${DOMAIN}`)),
    );
    expect(reconciled, "a reconcile on reconnect re-created the domain's schedule").toBeDefined();
  }, 120_000);
});
