/** KMS contract tests: the real SDK client against the emulator. */
import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  InvalidAliasNameException,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";

let emu: EmulatorHandle;
let kms: KMSClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  kms = new KMSClient({
    endpoint: emu.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  kms.destroy();
  await emu.close();
});

const ROOT = "arn:aws:iam::111122223333:root";
const policyWith = (...statements: object[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "root", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" },
      ...statements,
    ],
  });
const profilesStatement = {
  Sid: "CustomerProfiles",
  Effect: "Allow",
  Principal: { Service: "profile.amazonaws.com" },
  Action: ["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"],
  Resource: "*",
};

async function newKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
  if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) throw new Error("CreateKey returned no key");
  return { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn, metadata: KeyMetadata };
}

describe("keys", () => {
  it("creates a symmetric customer-managed key with KMS's defaults and a root-account policy", async () => {
    const { keyId, arn, metadata } = await newKey({ Description: "profiles" });
    expect(arn).toBe(`arn:aws:kms:us-east-1:111122223333:key/${keyId}`);
    expect(metadata).toMatchObject({
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyUsage: "ENCRYPT_DECRYPT",
      Origin: "AWS_KMS",
      KeyManager: "CUSTOMER",
      KeyState: "Enabled",
      Enabled: true,
      Description: "profiles",
      AWSAccountId: "111122223333",
    });
    expect(metadata.CreationDate).toBeInstanceOf(Date);
    const { Policy } = await kms.send(
      new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }),
    );
    const statements = JSON.parse(Policy as string).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Principal: { AWS: ROOT }, Action: "kms:*" }),
    ]);
  });

  it("keeps a given policy exactly as sent", async () => {
    const policy = `${policyWith(profilesStatement)}\n`;
    const { keyId } = await newKey({ Policy: policy });
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    expect(Policy).toBe(policy);
  });

  it("refuses malformed policies and ones that would lock the account out", async () => {
    await expect(kms.send(new CreateKeyCommand({ Policy: "{nope" }))).rejects.toBeInstanceOf(
      MalformedPolicyDocumentException,
    );
    const lockout = JSON.stringify({ Version: "2012-10-17", Statement: [profilesStatement] });
    await expect(kms.send(new CreateKeyCommand({ Policy: lockout }))).rejects.toBeInstanceOf(
      MalformedPolicyDocumentException,
    );
    await expect(
      kms.send(new CreateKeyCommand({ Policy: lockout, BypassPolicyLockoutSafetyCheck: true })),
    ).resolves.toBeDefined();
  });

  it("describes a key by id, key ARN, alias name and alias ARN; NotFoundException otherwise", async () => {
    const { keyId, arn } = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/describe-me", TargetKeyId: keyId }));
    const refs = [
      keyId,
      arn,
      "alias/describe-me",
      "arn:aws:kms:us-east-1:111122223333:alias/describe-me",
    ];
    for (const KeyId of refs) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(KeyMetadata?.KeyId, KeyId).toBe(keyId);
    }
    await expect(
      kms.send(new DescribeKeyCommand({ KeyId: "alias/missing" })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      kms.send(new DescribeKeyCommand({ KeyId: "00000000-0000-0000-0000-000000000000" })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("pages ListKeys with Limit and Marker", async () => {
    for (let i = 0; i < 3; i++) await newKey();
    const seen: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 2, Marker }));
      expect(page.Keys?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.Keys ?? []).map((k) => k.KeyId as string));
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
    expect(seen.length).toBe(Object.keys(emu.ctx.state.kms.keys).length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("replaces the key policy with PutKeyPolicy; the policy name is always default", async () => {
    const { keyId } = await newKey();
    const policy = policyWith(profilesStatement);
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy }),
    );
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy).toBe(policy);
    const err = await kms
      .send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "other" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KMSServiceException);
  });

  it("schedules deletion 7–30 days out (default 30), and cancelling leaves the key disabled", async () => {
    const { keyId, arn } = await newKey();
    for (const days of [6, 31]) {
      const err = await kms
        .send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days }))
        .catch((e: KMSServiceException) => e);
      expect(err).toMatchObject({ name: "ValidationException" });
    }
    const before = Date.now();
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }));
    expect(scheduled).toMatchObject({
      KeyId: arn,
      KeyState: "PendingDeletion",
      PendingWindowInDays: 30,
    });
    const days = ((scheduled.DeletionDate?.getTime() ?? 0) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);

    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(KeyMetadata).toMatchObject({ KeyState: "PendingDeletion", Enabled: false });
    expect(KeyMetadata?.DeletionDate).toBeInstanceOf(Date);
    await expect(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }))).rejects.toBeInstanceOf(
      KMSInvalidStateException,
    );
    await expect(
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policyWith() })),
    ).rejects.toBeInstanceOf(KMSInvalidStateException);

    await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    const after = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(after.KeyMetadata).toMatchObject({ KeyState: "Disabled", Enabled: false });
    expect(after.KeyMetadata?.DeletionDate).toBeUndefined();
  });

  it("tags keys", async () => {
    const { keyId } = await newKey({ Tags: [{ TagKey: "team", TagValue: "cc" }] });
    await kms.send(
      new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "env", TagValue: "dev" }] }),
    );
    const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    expect(Tags).toEqual([
      { TagKey: "team", TagValue: "cc" },
      { TagKey: "env", TagValue: "dev" },
    ]);
  });
});

describe("aliases", () => {
  it("validates names: alias/ prefix, not alias/aws/, allowed characters, 256 at most", async () => {
    const { keyId } = await newKey();
    const bad = ["no-prefix", "alias/aws/reserved", "alias/has space", `alias/${"x".repeat(251)}`];
    for (const AliasName of bad) {
      await expect(
        kms.send(new CreateAliasCommand({ AliasName, TargetKeyId: keyId })),
        AliasName,
      ).rejects.toBeInstanceOf(InvalidAliasNameException);
    }
    await kms.send(
      new CreateAliasCommand({ AliasName: `alias/${"x".repeat(250)}`, TargetKeyId: keyId }),
    );
  });

  it("refuses a duplicate alias and a missing target", async () => {
    const { keyId } = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/dup", TargetKeyId: keyId }));
    await expect(
      kms.send(new CreateAliasCommand({ AliasName: "alias/dup", TargetKeyId: keyId })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    await expect(
      kms.send(
        new CreateAliasCommand({
          AliasName: "alias/orphan",
          TargetKeyId: "11111111-1111-1111-1111-111111111111",
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it("lists aliases, optionally only a key's", async () => {
    const { keyId } = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/mine-1", TargetKeyId: keyId }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/mine-2", TargetKeyId: keyId }));
    const mine = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(mine.Aliases?.map((a) => a.AliasName)).toEqual(["alias/mine-1", "alias/mine-2"]);
    expect(mine.Aliases?.[0]).toMatchObject({
      TargetKeyId: keyId,
      AliasArn: "arn:aws:kms:us-east-1:111122223333:alias/mine-1",
    });
    const all = await kms.send(new ListAliasesCommand({}));
    expect(all.Aliases?.length).toBeGreaterThan(2);
  });
});
