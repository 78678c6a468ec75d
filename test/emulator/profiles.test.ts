import {
  AccessDeniedException,
  BadRequestException,
  CreateDomainCommand,
  DeleteDomainCommand,
  DeleteIntegrationCommand,
  GetDomainCommand,
  GetProfileObjectTypeCommand,
  ListAccountIntegrationsCommand,
  ListDomainsCommand,
  ListIntegrationsCommand,
  ListProfileObjectTypesCommand,
  PutIntegrationCommand,
  PutProfileObjectTypeCommand,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateDomainCommand,
} from "@aws-sdk/client-customer-profiles";
import { CreateKeyCommand, DisableKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../sandbox/aws/server.js";
import { instanceArn, loadConnectSeed } from "../../sandbox/aws/services/connect.js";
import { profileState } from "../../sandbox/aws/services/profiles.js";
import { clients, dlqPolicy, REGION, rejectsWith, startSeeded } from "./profiles-helpers.js";

let emulator: EmulatorHandle;
let aws: ReturnType<typeof clients>;
const [examplecorp, legacySupport, creating] = loadConnectSeed().map((i) =>
  instanceArn(REGION, i.id),
);

beforeAll(async () => {
  emulator = await startSeeded();
  aws = clients(emulator.url);
});
afterAll(() => emulator.close());

describe("domains", () => {
  it("lists and describes the seeded legacy domain with its stats", async () => {
    const list = await aws.profiles.send(new ListDomainsCommand({}));
    expect(list.Items?.map((d) => d.DomainName)).toContain("amazon-connect-legacy");
    const domain = await aws.profiles.send(
      new GetDomainCommand({ DomainName: "amazon-connect-legacy" }),
    );
    expect(domain.DefaultExpirationDays).toBe(366);
    expect(domain.DefaultEncryptionKey).toBeUndefined();
    expect(domain.DeadLetterQueueUrl).toBeUndefined();
    expect(domain.CreatedAt).toBeInstanceOf(Date);
    expect(domain.Stats).toMatchObject({ ProfileCount: 3, ObjectCount: 3 });
    expect(domain.Stats?.TotalSize).toBeGreaterThan(0);
  });

  it("rejects invalid names and expirations with BadRequestException", async () => {
    for (const input of [
      { DomainName: "has space", DefaultExpirationDays: 30 },
      { DomainName: "x".repeat(65), DefaultExpirationDays: 30 },
      { DomainName: "ok-name", DefaultExpirationDays: 0 },
      { DomainName: "ok-name", DefaultExpirationDays: 1099 },
      { DomainName: "ok-name" } as { DomainName: string; DefaultExpirationDays: number },
    ]) {
      await rejectsWith(aws.profiles.send(new CreateDomainCommand(input)), BadRequestException);
    }
    await rejectsWith(
      aws.profiles.send(new ListDomainsCommand({ MaxResults: 101 })),
      BadRequestException,
    );
  });

  it("creates, pages, updates and deletes a domain", async () => {
    const created = await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: "amazon-connect-alpha",
        DefaultExpirationDays: 1098,
        Tags: { team: "cx" },
      }),
    );
    expect(created.DomainName).toBe("amazon-connect-alpha");
    expect(created.Tags).toEqual({ team: "cx" });
    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({ DomainName: "amazon-connect-alpha", DefaultExpirationDays: 1 }),
      ),
      BadRequestException,
      "already exists",
    );

    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await aws.profiles.send(
        new ListDomainsCommand({ MaxResults: 1, NextToken: token }),
      );
      expect(page.Items?.length).toBe(1);
      names.push(...(page.Items ?? []).map((d) => d.DomainName ?? ""));
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(
      expect.arrayContaining(["amazon-connect-alpha", "amazon-connect-legacy"]),
    );

    const updated = await aws.profiles.send(
      new UpdateDomainCommand({ DomainName: "amazon-connect-alpha", DefaultExpirationDays: 30 }),
    );
    expect(updated.DefaultExpirationDays).toBe(30);

    const deleted = await aws.profiles.send(
      new DeleteDomainCommand({ DomainName: "amazon-connect-alpha" }),
    );
    expect(deleted.Message).toBeTruthy();
    await rejectsWith(
      aws.profiles.send(new GetDomainCommand({ DomainName: "amazon-connect-alpha" })),
      ResourceNotFoundException,
    );
    await rejectsWith(
      aws.profiles.send(new UpdateDomainCommand({ DomainName: "nope", DefaultExpirationDays: 3 })),
      ResourceNotFoundException,
    );
  });

  it("caps domains at 100 per region", async () => {
    const { domains } = profileState(emulator.ctx.state);
    const template = domains[`${REGION}/amazon-connect-legacy`];
    if (!template) throw new Error("the seed lacks amazon-connect-legacy");
    const before = { ...domains };
    for (let i = Object.keys(domains).length; i < 100; i++) {
      const name = `filler-${i}`;
      domains[`${REGION}/${name}`] = { ...structuredClone(template), name, integrations: [] };
    }
    try {
      await rejectsWith(
        aws.profiles.send(
          new CreateDomainCommand({ DomainName: "one-too-many", DefaultExpirationDays: 7 }),
        ),
        BadRequestException,
        "maximum number of domains",
      );
    } finally {
      for (const key of Object.keys(domains)) if (!before[key]) delete domains[key];
    }
  });
});

describe("Data store", () => {
  it("keeps DataStore.Enabled as CreateDomain and UpdateDomain set it, and refuses a malformed one", async () => {
    const enabled = async (name: string) =>
      (await aws.profiles.send(new GetDomainCommand({ DomainName: name }))).DataStore?.Enabled;
    const created = await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: "amazon-connect-datastore",
        DefaultExpirationDays: 30,
        DataStore: { Enabled: true },
      }),
    );
    expect(created.DataStore?.Enabled).toBe(true);
    expect(await enabled("amazon-connect-datastore")).toBe(true);
    await aws.profiles.send(
      new UpdateDomainCommand({
        DomainName: "amazon-connect-datastore",
        DataStore: { Enabled: false },
      }),
    );
    expect(await enabled("amazon-connect-datastore")).toBe(false);
    // A domain created without one has none to report.
    await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: "amazon-connect-no-datastore",
        DefaultExpirationDays: 30,
      }),
    );
    expect(await enabled("amazon-connect-no-datastore")).toBeUndefined();
    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({
          DomainName: "amazon-connect-bad-datastore",
          DefaultExpirationDays: 30,
          DataStore: { Enabled: "yes" as unknown as boolean },
        }),
      ),
      BadRequestException,
      "DataStore",
    );
  });
});

describe("encryption key", () => {
  it("accepts an enabled key, refuses a missing or disabled one, and clears with an empty string", async () => {
    const { KeyMetadata } = await aws.kms.send(new CreateKeyCommand({ Description: "profiles" }));
    const keyArn = KeyMetadata?.Arn ?? "";
    const created = await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: "amazon-connect-keyed",
        DefaultExpirationDays: 30,
        DefaultEncryptionKey: keyArn,
      }),
    );
    expect(created.DefaultEncryptionKey).toBe(keyArn);

    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({
          DomainName: "amazon-connect-nokey",
          DefaultExpirationDays: 30,
          DefaultEncryptionKey: `${keyArn.slice(0, keyArn.lastIndexOf("/"))}/00000000-0000-0000-0000-000000000000`,
        }),
      ),
      BadRequestException,
      "KMS key is invalid",
    );

    const cleared = await aws.profiles.send(
      new UpdateDomainCommand({ DomainName: "amazon-connect-keyed", DefaultEncryptionKey: "" }),
    );
    expect(cleared.DefaultEncryptionKey).toBeUndefined();

    await aws.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    await rejectsWith(
      aws.profiles.send(
        new UpdateDomainCommand({
          DomainName: "amazon-connect-keyed",
          DefaultEncryptionKey: keyArn,
        }),
      ),
      BadRequestException,
      "Disabled",
    );
    const after = await aws.profiles.send(
      new GetDomainCommand({ DomainName: "amazon-connect-keyed" }),
    );
    expect(after.DefaultEncryptionKey).toBeUndefined();
  });
});

describe("dead-letter queue", () => {
  it("needs a queue policy that lets Customer Profiles send to it", async () => {
    const name = "amazon-connect-dlq";
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: "profiles-dlq" }));
    const url = QueueUrl ?? "";
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = Attributes?.QueueArn ?? "";

    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({
          DomainName: name,
          DefaultExpirationDays: 30,
          DeadLetterQueueUrl: url,
        }),
      ),
      BadRequestException,
      "profile.amazonaws.com",
    );
    // A policy for another domain does not do: the SourceArn condition names the domain.
    await aws.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { Policy: dlqPolicy(queueArn, "amazon-connect-other") },
      }),
    );
    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({
          DomainName: name,
          DefaultExpirationDays: 30,
          DeadLetterQueueUrl: url,
        }),
      ),
      BadRequestException,
    );
    await rejectsWith(
      aws.profiles.send(
        new CreateDomainCommand({
          DomainName: name,
          DefaultExpirationDays: 30,
          DeadLetterQueueUrl: url.replace("profiles-dlq", "no-such-queue"),
        }),
      ),
      BadRequestException,
      "does not exist",
    );

    await aws.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { Policy: dlqPolicy(queueArn, name) },
      }),
    );
    const created = await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: name,
        DefaultExpirationDays: 30,
        DeadLetterQueueUrl: url,
      }),
    );
    expect(created.DeadLetterQueueUrl).toBe(url);

    const cleared = await aws.profiles.send(
      new UpdateDomainCommand({ DomainName: name, DeadLetterQueueUrl: "" }),
    );
    expect(cleared.DeadLetterQueueUrl).toBeUndefined();
  });
});

describe("integrations", () => {
  it("links an instance to one domain only, and unlinks it", async () => {
    await aws.profiles.send(
      new CreateDomainCommand({
        DomainName: "amazon-connect-examplecorp",
        DefaultExpirationDays: 365,
      }),
    );
    const linked = await aws.profiles.send(
      new PutIntegrationCommand({
        DomainName: "amazon-connect-examplecorp",
        Uri: examplecorp,
        ObjectTypeName: "CTR",
      }),
    );
    expect(linked.Uri).toBe(examplecorp);

    const listed = await aws.profiles.send(
      new ListIntegrationsCommand({ DomainName: "amazon-connect-examplecorp" }),
    );
    expect(listed.Items?.map((i) => i.Uri)).toEqual([examplecorp]);

    const account = await aws.profiles.send(
      new ListAccountIntegrationsCommand({ Uri: legacySupport }),
    );
    expect(account.Items?.map((i) => i.DomainName)).toEqual(["amazon-connect-legacy"]);
    const none = await aws.profiles.send(
      new ListAccountIntegrationsCommand({
        Uri: instanceArn(REGION, "11111111-2222-3333-4444-555555555555"),
      }),
    );
    expect(none.Items).toEqual([]);

    // The legacy instance already belongs to the legacy domain.
    await rejectsWith(
      aws.profiles.send(
        new PutIntegrationCommand({
          DomainName: "amazon-connect-examplecorp",
          Uri: legacySupport,
          ObjectTypeName: "CTR",
        }),
      ),
      BadRequestException,
      "amazon-connect-legacy",
    );
    await aws.profiles.send(
      new DeleteIntegrationCommand({ DomainName: "amazon-connect-legacy", Uri: legacySupport }),
    );
    await aws.profiles.send(
      new PutIntegrationCommand({
        DomainName: "amazon-connect-examplecorp",
        Uri: legacySupport,
        ObjectTypeName: "CTR",
      }),
    );
    const moved = await aws.profiles.send(
      new ListAccountIntegrationsCommand({ Uri: legacySupport }),
    );
    expect(moved.Items?.map((i) => i.DomainName)).toEqual(["amazon-connect-examplecorp"]);

    await rejectsWith(
      aws.profiles.send(
        new DeleteIntegrationCommand({ DomainName: "amazon-connect-legacy", Uri: legacySupport }),
      ),
      ResourceNotFoundException,
    );
  });

  it("refuses instances that are not active or do not exist, and unknown object types", async () => {
    await rejectsWith(
      aws.profiles.send(
        new PutIntegrationCommand({
          DomainName: "amazon-connect-legacy",
          Uri: creating,
          ObjectTypeName: "CTR",
        }),
      ),
      BadRequestException,
      "CREATION_IN_PROGRESS",
    );
    await rejectsWith(
      aws.profiles.send(
        new PutIntegrationCommand({
          DomainName: "amazon-connect-legacy",
          Uri: instanceArn(REGION, "11111111-2222-3333-4444-555555555555"),
          ObjectTypeName: "CTR",
        }),
      ),
      BadRequestException,
      "does not exist",
    );
    await rejectsWith(
      aws.profiles.send(
        new PutIntegrationCommand({
          DomainName: "amazon-connect-legacy",
          Uri: "arn:aws:appflow:us-east-1:111122223333:flow/crm",
          ObjectTypeName: "NoSuchType",
        }),
      ),
      BadRequestException,
    );
  });

  it("can be told to refuse Connect links as AWS's model warns", async () => {
    const state = profileState(emulator.ctx.state);
    state.refuseConnectLinks = true;
    try {
      await aws.profiles.send(
        new CreateDomainCommand({ DomainName: "amazon-connect-refused", DefaultExpirationDays: 7 }),
      );
      await rejectsWith(
        aws.profiles.send(
          new PutIntegrationCommand({
            DomainName: "amazon-connect-refused",
            Uri: instanceArn(REGION, loadConnectSeed()[0]?.id ?? ""),
            ObjectTypeName: "CTR",
          }),
        ),
        AccessDeniedException,
        "Amazon Connect console",
      );
    } finally {
      state.refuseConnectLinks = false;
    }
  });
});

describe("object types", () => {
  it("puts, gets and lists object types", async () => {
    const put = await aws.profiles.send(
      new PutProfileObjectTypeCommand({
        DomainName: "amazon-connect-legacy",
        ObjectTypeName: "Order",
        Description: "Web shop orders",
        Fields: {
          OrderId: { Source: "_source.OrderId", Target: "_order.OrderId", ContentType: "STRING" },
          AccountNumber: {
            Source: "_source.AccountNumber",
            Target: "_profile.AccountNumber",
            ContentType: "STRING",
          },
        },
        Keys: {
          _orderId: [{ StandardIdentifiers: ["UNIQUE"], FieldNames: ["OrderId"] }],
          _account: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["AccountNumber"] }],
        },
      }),
    );
    expect(put.ObjectTypeName).toBe("Order");
    const got = await aws.profiles.send(
      new GetProfileObjectTypeCommand({
        DomainName: "amazon-connect-legacy",
        ObjectTypeName: "CRM-Contact",
      }),
    );
    expect(got.Keys?._account?.[0]?.StandardIdentifiers).toEqual(["PROFILE", "UNIQUE"]);
    expect(got.Fields?.AccountNumber?.Source).toBe("_source.AccountNumber");
    const list = await aws.profiles.send(
      new ListProfileObjectTypesCommand({ DomainName: "amazon-connect-legacy" }),
    );
    expect(list.Items?.map((t) => t.ObjectTypeName)).toEqual(["CRM-Contact", "Order"]);

    await rejectsWith(
      aws.profiles.send(
        new GetProfileObjectTypeCommand({
          DomainName: "amazon-connect-legacy",
          ObjectTypeName: "Nope",
        }),
      ),
      ResourceNotFoundException,
    );
    await rejectsWith(
      aws.profiles.send(
        new PutProfileObjectTypeCommand({
          DomainName: "amazon-connect-legacy",
          ObjectTypeName: "9starts-with-digit",
          Description: "x",
          Fields: { A: { Source: "_source.A", Target: "_profile.AccountNumber" } },
        }),
      ),
      BadRequestException,
    );
    await rejectsWith(
      aws.profiles.send(
        new PutProfileObjectTypeCommand({
          DomainName: "amazon-connect-legacy",
          ObjectTypeName: "Broken",
          Description: "a key on a field that is not defined",
          Fields: { A: { Source: "_source.A", Target: "_profile.AccountNumber" } },
          Keys: { _b: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["B"] }] },
        }),
      ),
      BadRequestException,
      "not in Fields",
    );
  });
});

describe("quotas", () => {
  it("throttles a second CreateDomain within the same second", async () => {
    const limited = await startSeeded({ quotas: true });
    // A stopped clock: the token bucket must not refill between calls on a slow machine.
    const frozen = Date.now();
    limited.ctx.now = () => frozen;
    try {
      const { profiles } = clients(limited.url);
      await profiles.send(
        new CreateDomainCommand({ DomainName: "quota-1", DefaultExpirationDays: 7 }),
      );
      await rejectsWith(
        profiles.send(new CreateDomainCommand({ DomainName: "quota-2", DefaultExpirationDays: 7 })),
        ThrottlingException,
      );
    } finally {
      await limited.close();
    }
  });
});
