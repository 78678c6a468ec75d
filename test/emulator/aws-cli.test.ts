/** The AWS CLI (v1, botocore) against the emulator: SQS over JSON 1.0, KMS over JSON 1.1. */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";

const run = promisify(execFile);
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

let emu: EmulatorHandle;

async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    "aws",
    ["--endpoint-url", emu.url, "--region", "us-east-1", "--output", "json", ...args],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
        // Keep the developer's own profile and config out of the test.
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
      timeout: 15_000,
    },
  );
  return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
}

// Each CLI run costs a Python start-up (seconds on a busy machine), so the tests run
// concurrently and make few calls; the SDK tests cover the error classes in depth.
describe.skipIf(!hasAws)(
  "aws CLI (skipped when `aws` is not on PATH)",
  { concurrent: true },
  () => {
    beforeAll(async () => {
      emu = await startEmulator({ port: 0 });
    });
    afterAll(async () => {
      await emu?.close();
    });

    it("creates a queue, sends and receives a message", { timeout: 30_000 }, async () => {
      const missing = aws("sqs", "get-queue-url", "--queue-name", "missing").catch(
        (e: unknown) => e,
      );
      const created = await aws(
        "sqs",
        "create-queue",
        "--queue-name",
        "cli-queue",
        "--attributes",
        "VisibilityTimeout=40",
      );
      const url = created.QueueUrl as string;
      expect(url).toBe(`${emu.url}/111122223333/cli-queue`);
      const sent = await aws(
        "sqs",
        "send-message",
        "--queue-url",
        url,
        "--message-body",
        '{"hello":"cli"}',
        "--message-attributes",
        '{"sample-attribute":{"DataType":"String","StringValue":"sample-value"}}',
      );
      expect(sent.MD5OfMessageAttributes).toBe("7c815262be77a62f56671125069ca888");
      const received = await aws(
        "sqs",
        "receive-message",
        "--queue-url",
        url,
        "--attribute-names",
        "All",
        "--message-attribute-names",
        "All",
      );
      const [message] = received.Messages as Record<string, unknown>[];
      expect(message).toMatchObject({
        MessageId: sent.MessageId,
        Body: '{"hello":"cli"}',
        Attributes: expect.objectContaining({ ApproximateReceiveCount: "1" }),
      });
      expect(await missing).toMatchObject({
        stderr: expect.stringContaining("AWS.SimpleQueueService.NonExistentQueue"),
      });
    });

    it("creates and describes a KMS key", { timeout: 30_000 }, async () => {
      const created = await aws("kms", "create-key", "--description", "from the cli");
      const keyId = (created.KeyMetadata as Record<string, unknown>).KeyId as string;
      const described = await aws("kms", "describe-key", "--key-id", keyId);
      expect(described.KeyMetadata).toMatchObject({
        KeyId: keyId,
        Description: "from the cli",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyUsage: "ENCRYPT_DECRYPT",
        KeyManager: "CUSTOMER",
        KeyState: "Enabled",
      });
    });
  },
);
