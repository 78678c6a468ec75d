/**
 * Failed HTTP calls in the log: real error objects from the real clients (Slack's WebClient
 * against the Slack stand-in and a plain HTTP server, the AWS SDK against the emulator, fetch)
 * logged through the app's logger. Each raw error is first shown to hold what must not leak,
 * so the assertions that it is gone could fail.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, type EmulatorHandle, startEmulator } from "../../sandbox/aws/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../sandbox/slack/index.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { toAppError } from "../../src/aws/errors.js";
import { quietLogger } from "../slack-standin/helpers.js";
import { capture } from "./capture-log.js";

const { WebClient } = webApi;

const TOKEN = "xoxb-1234-5678-logsecret";
const BODY = "PRIVATE-BODY-do-not-log";
const ACCESS_KEY = "AKIAZZZZLOGSECRET0001";
const SECRET_KEY = "wJalrXUtnFEMI-logsecret";
const REQ_ID = "req-log-7f3a";

/** Everything that must never reach a log line. */
const SECRETS = [TOKEN, BODY, ACCESS_KEY, SECRET_KEY, "Bearer", "Credential="];

/** Logs `err` the way listeners and jobs do, and returns the raw line and its `err`. */
function logged(err: unknown): { raw: string; err: Record<string, unknown> } {
  const { lines, log } = capture();
  log.warn({ err }, "the call failed");
  expect(lines).toHaveLength(1);
  const raw = lines[0] as string;
  return { raw, err: JSON.parse(raw).err };
}

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error("the call succeeded; expected it to fail");
}

const everything = (err: unknown) => inspect(err, { depth: 8, showHidden: true });

/** A port nothing listens on: one the system gave us and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a Slack WebClient failure in the log", () => {
  let slack: SlackStandIn;
  let broken: Server;
  let brokenUrl: string;

  beforeAll(async () => {
    slack = await startSlackStandIn({ tokens: ["xoxb-the-only-good-one"] });
    // Answers like a failing gateway, with Slack's request id header and a body.
    broken = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "text/plain", "x-slack-req-id": REQ_ID });
      res.end(`upstream down; echo ${BODY}`);
    });
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/api/`;
  });
  afterAll(async () => {
    await slack?.close();
    await new Promise((resolve) => broken?.close(resolve));
  });

  const client = (slackApiUrl: string) =>
    new WebClient(TOKEN, { slackApiUrl, retryConfig: { retries: 0 }, logger: quietLogger });

  it("platform error (the stand-in refused the token): code and Slack's error, no token or body", async () => {
    const err = await failure(() =>
      client(slack.apiUrl).chat.postMessage({ channel: "C0OPS", text: BODY }),
    );
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({
      type: "WebAPIPlatformError",
      code: "slack_webapi_platform_error",
      apiError: "invalid_auth",
    });
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it("HTTP error: code, status and request id, never the response's headers or body", async () => {
    const err = await failure(() =>
      client(brokenUrl).chat.postMessage({ channel: "C0OPS", text: BODY }),
    );
    expect(everything(err)).toContain(BODY); // the client keeps the body it got
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({
      code: "slack_webapi_http_error",
      status: 503,
      requestId: REQ_ID,
    });
    expect(line).not.toHaveProperty("headers");
    expect(line).not.toHaveProperty("body");
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it("request error (nothing listening): code and the socket's code, never the request", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const err = await failure(() => client(url).chat.postMessage({ channel: "C0OPS", text: BODY }));
    // web-api 7's axios error, kept as `original`, held the request (token and body) and so
    // named the method; web-api 8's fetch error holds neither, and the allowlist would keep
    // the request out if a later one did. The socket's code is under fetch's TypeError.
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({
      code: "slack_webapi_request_error",
      cause: { type: "TypeError", cause: { code: "ECONNREFUSED" } },
    });
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it("an error passed first to the logger goes through the same allowlist", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const err = await failure(() => client(url).chat.postMessage({ channel: "C0OPS", text: BODY }));
    const { lines, log } = capture();
    log.error(err);
    const raw = lines.join("");
    expect(JSON.parse(raw).err).toMatchObject({ code: "slack_webapi_request_error" });
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });
});

describe("an AWS SDK failure in the log", () => {
  let emulator: EmulatorHandle;
  let clients: AwsClients;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, quotas: false });
    clients = createAwsClients({
      region: "us-east-1",
      endpoint: emulator.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: ACCESS_KEY,
        secretAccessKey: SECRET_KEY,
      },
    });
  });
  afterAll(async () => {
    clients?.destroy();
    await emulator?.close();
  });

  const sendToMissingQueue = () =>
    failure(() =>
      clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: `${emulator.url}/${ACCOUNT_ID}/no-such-queue`,
          MessageBody: BODY,
        }),
      ),
    );

  it("the SDK's error: AWS's code, status and request id, never the raw response", async () => {
    const err = await sendToMissingQueue();
    expect(everything(err)).toContain("$response"); // the raw HTTP response rides along
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({
      status: 400,
      apiError: expect.stringMatching(/QueueDoesNotExist/),
    });
    expect(line.requestId).toEqual(expect.any(String));
    expect(line).not.toHaveProperty("$response");
    expect(line).not.toHaveProperty("$metadata");
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it("mapped to an AppError: keeps reason, fix, call and AWS code, and the cause's request id", async () => {
    const err = toAppError(
      { service: "sqs", operation: "SendMessage", iamAction: "sqs:SendMessage" },
      await sendToMissingQueue(),
    );
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({
      type: "AppError",
      code: "not_found",
      reason: expect.stringContaining("SQS SendMessage failed"),
      fix: expect.any(String),
      call: "SQS SendMessage",
      operation: "SQS SendMessage",
      awsCode: expect.stringMatching(/QueueDoesNotExist/),
      cause: { status: 400, requestId: expect.any(String) },
    });
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });
});

describe("a fetch failure in the log", () => {
  it("keeps the socket's code from the cause; the request's headers were never on the error", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/chat.postMessage`;
    const err = await failure(() =>
      fetch(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: BODY }),
    );
    const { raw, err: line } = logged(err);
    expect(line).toMatchObject({ type: "TypeError", cause: { code: "ECONNREFUSED" } });
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });
});
