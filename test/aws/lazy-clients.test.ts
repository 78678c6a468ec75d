/**
 * Amazon Connect's and IAM's SDK packages are loaded at their first call, not when the
 * clients are built (src/aws/clients.ts): a bot that only scans and re-ingests never pays
 * for their service models. Their calls still work, and the call metrics still see them.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";

const fixture = fileURLToPath(new URL("../fixtures/lazy-sdk/calls.ts", import.meta.url));
let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, quotas: false });
});
afterAll(async () => {
  await emulator.close();
});

describe("AWS clients loaded at their first use", () => {
  it("loads Connect and IAM only when one of their calls is made, and observes those calls", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", fixture, emulator.url],
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
    );
    const out = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(out.atStart).toEqual(["sqs"]);
    expect(out.afterSqs).toEqual(["sqs"]);
    expect(out.afterConnect).toEqual(["connect", "sqs"]);
    expect(out.afterIam).toEqual(["connect", "iam", "sqs"]);
    // The seeded account has a Connect instance; the simulation answers one decision an action.
    expect(out.instances).toBeGreaterThan(0);
    expect(out.decisions).toBe(1);
    expect(out.calls).toEqual([
      "SQSClient:ListQueues",
      "ConnectClient:ListInstances",
      "STSClient:GetCallerIdentity",
      "IAMClient:SimulatePrincipalPolicy",
    ]);
  });
});
