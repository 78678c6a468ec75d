/**
 * The AWS CLI (botocore) against the emulator: a second, independent implementation of the
 * wire protocols, so a mistake the JS SDK happens to tolerate still shows up.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../sandbox/aws/server.js";
import { startSeeded } from "./profiles-helpers.js";

const run = promisify(execFile);
let emulator: EmulatorHandle;

const env = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  // Keep the developer's own profiles and config out of the run.
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};

async function aws(...args: string[]) {
  const { stdout } = await run(
    "aws",
    ["--endpoint-url", emulator.url, "--region", "us-east-1", "--output", "json", ...args],
    { env, timeout: 15_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  emulator = await startSeeded();
});
afterAll(() => emulator.close());

describe("aws CLI", () => {
  it("lists Customer Profiles domains", async () => {
    const out = (await aws("customer-profiles", "list-domains")) as {
      Items: { DomainName: string }[];
    };
    expect(out.Items.map((d) => d.DomainName)).toContain("amazon-connect-legacy");
  });

  it("lists Connect instances", async () => {
    const out = (await aws("connect", "list-instances")) as {
      InstanceSummaryList: { InstanceAlias?: string; InstanceStatus: string }[];
    };
    expect(out.InstanceSummaryList.map((i) => i.InstanceAlias)).toEqual([
      "legacy-support",
      "examplecorp",
      undefined,
    ]);
  });

  it("reports a missing domain as ResourceNotFoundException", async () => {
    const failed = await aws("customer-profiles", "get-domain", "--domain-name", "nope").then(
      () => undefined,
      (err: { stderr: string; code: number }) => err,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain("ResourceNotFoundException");
  });
});
