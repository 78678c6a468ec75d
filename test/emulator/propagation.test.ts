/**
 * Propagation delays (sandbox/aws/propagation.ts), through the real SDK clients: a resource
 * made or changed less than its kind's delay ago is refused, with the error AWS's model
 * declares, by the calls that depend on it, and served once the delay has passed (the test
 * moves the emulator's clock). The control endpoint sets, lists and clears the delays.
 */
import {
  AccessDeniedException,
  BadRequestException,
  CreateDomainCommand,
  type CreateDomainCommandInput,
  PutIntegrationCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-customer-profiles";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  NotFoundException,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorHandle, StartOptions } from "../../sandbox/aws/server.js";
import { emulatorControl } from "../support/emulator-control.js";
import { ROOT_ONLY_KEY_POLICY } from "../support/key-policies.js";
import { clients, dlqPolicy, REGION, startSeeded } from "./profiles-helpers.js";

const INSTANCE_ARN =
  "arn:aws:connect:us-east-1:111122223333:instance/5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

/** The emulator on a clock the test moves, with SDK clients. */
async function emulator(opts: StartOptions = {}) {
  const emu = await startSeeded(opts);
  let now = Date.now();
  emu.ctx.now = () => now;
  const c = clients(emu.url);
  open.push(emu, ...Object.values(c).map((client) => ({ close: () => client.destroy() })));
  /** CreateDomain for `name`, with `more` of its parameters. */
  const createDomain = (name: string, more: Partial<CreateDomainCommandInput> = {}) =>
    c.profiles.send(
      new CreateDomainCommand({ DomainName: name, DefaultExpirationDays: 366, ...more }),
    );
  return { emu, ...c, createDomain, pass: (ms: number) => (now += ms) };
}

const outcome = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => "ok",
    (e: unknown) => e,
  );

const control = (emu: EmulatorHandle, method: string, body?: string) =>
  emulatorControl(emu.url, "propagation", method, body);

describe("propagation delays", () => {
  it("a new key is not found by CreateAlias or PutKeyPolicy, nor usable by CreateDomain, until its delay passed", async () => {
    const { kms, createDomain, pass } = await emulator({ propagationMs: { key: 5_000 } });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const arn = KeyMetadata?.Arn as string;
    const keyId = KeyMetadata?.KeyId as string;
    const alias = () =>
      kms.send(new CreateAliasCommand({ AliasName: "alias/young", TargetKeyId: keyId }));
    expect(await outcome(alias())).toBeInstanceOf(NotFoundException);
    const policy = () =>
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: "{}" }));
    expect(await outcome(policy())).toBeInstanceOf(NotFoundException);
    const domain = await outcome(createDomain("young-key", { DefaultEncryptionKey: arn }));
    expect(domain).toBeInstanceOf(BadRequestException);
    expect((domain as Error).message).toContain(arn);
    pass(5_000);
    expect(await outcome(alias())).toBe("ok");
  });

  it("a changed key policy keeps Customer Profiles out, naming the key, until its delay passed", async () => {
    const { kms, createDomain, pass } = await emulator({ propagationMs: { "key-policy": 3_000 } });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const arn = KeyMetadata?.Arn as string;
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: arn, PolicyName: "default", Policy: ROOT_ONLY_KEY_POLICY }),
    );
    const create = () => createDomain("young-policy", { DefaultEncryptionKey: arn });
    const refused = await outcome(create());
    expect(refused).toBeInstanceOf(AccessDeniedException);
    expect((refused as Error).message).toContain(arn);
    pass(3_000);
    expect(await outcome(create())).toBe("ok");
  });

  it("a new queue, and its policy, are not visible to SetQueueAttributes and CreateDomain until their delays passed", async () => {
    const { sqs, createDomain, pass } = await emulator({
      propagationMs: { queue: 1_000, "queue-policy": 4_000 },
    });
    const name = "young-dlq";
    const queueArn = `arn:aws:sqs:${REGION}:111122223333:${name}`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { Policy: dlqPolicy(queueArn, "young") },
      }),
    );
    const set = () =>
      sqs.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: "60" } }),
      );
    expect(await outcome(set())).toBeInstanceOf(QueueDoesNotExist);
    const create = () => createDomain("young", { DeadLetterQueueUrl: QueueUrl });
    const hidden = await outcome(create());
    expect(hidden).toBeInstanceOf(BadRequestException);
    expect((hidden as Error).message).toContain(QueueUrl);
    pass(1_000);
    expect(await outcome(set())).toBe("ok");
    // The queue is visible now; its policy is not yet.
    const noPolicy = await outcome(create());
    expect(noPolicy).toBeInstanceOf(BadRequestException);
    expect((noPolicy as Error).message).toContain("permission");
    pass(3_000);
    expect(await outcome(create())).toBe("ok");
  });

  it("a new domain is not found by PutIntegration until its delay passed", async () => {
    const { profiles, createDomain, pass } = await emulator({ propagationMs: { domain: 2_000 } });
    await createDomain("young");
    const link = () =>
      profiles.send(
        new PutIntegrationCommand({
          DomainName: "young",
          Uri: INSTANCE_ARN,
          ObjectTypeName: "CTR",
        }),
      );
    expect(await outcome(link())).toBeInstanceOf(ResourceNotFoundException);
    pass(2_000);
    expect(await outcome(link())).toBe("ok");
  });

  it("without delays nothing is hidden, and the control endpoint sets, lists and clears them", async () => {
    const { emu, kms } = await emulator();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata?.KeyId as string;
    expect(
      await outcome(kms.send(new CreateAliasCommand({ AliasName: "alias/a", TargetKeyId: keyId }))),
    ).toBe("ok");

    expect(await control(emu, "POST", '{"key":5000,"domain":1000}')).toEqual({
      status: 200,
      json: { propagation: { key: 5000, domain: 1000 } },
    });
    const bad = await control(emu, "POST", '{"keys":5000,"domain":-1}');
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual(
      expect.arrayContaining([
        '"keys": the kinds are queue, queue-policy, key, key-policy, domain',
        '"domain": must be a whole number of milliseconds, 0 to 3600000',
      ]),
    );
    expect((await control(emu, "GET")).json).toEqual({ propagation: { key: 5000, domain: 1000 } });
    const { KeyMetadata: young } = await kms.send(new CreateKeyCommand({}));
    expect(
      await outcome(
        kms.send(new CreateAliasCommand({ AliasName: "alias/b", TargetKeyId: young?.KeyId })),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect(await control(emu, "DELETE")).toEqual({ status: 200, json: { propagation: {} } });
    expect(
      await outcome(
        kms.send(new CreateAliasCommand({ AliasName: "alias/b", TargetKeyId: young?.KeyId })),
      ),
    ).toBe("ok");
  });
});
