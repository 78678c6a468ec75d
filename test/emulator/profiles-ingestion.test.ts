import {
  BadRequestException,
  CreateDomainCommand,
  GetDomainCommand,
  ListProfileObjectsCommand,
  PutProfileObjectCommand,
  PutProfileObjectTypeCommand,
  type PutProfileObjectTypeCommandInput,
  ResourceNotFoundException,
  SearchProfilesCommand,
} from "@aws-sdk/client-customer-profiles";
import { CreateKeyCommand, DisableKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerOf } from "../../sandbox/aws/accounts.js";
import type { EmulatorHandle } from "../../sandbox/aws/server.js";
import {
  CRM_CONTACT_TYPE,
  findDomain,
  INGESTION_ERRORS,
  ingestionIdle,
  profileIdsOf,
  profiles,
} from "../../sandbox/aws/services/profiles.js";
import { ACCOUNT_ID } from "../../sandbox/aws/state.js";
import { clients, dlqPolicy, REGION, rejectsWith, startSeeded } from "./profiles-helpers.js";

const MAX_BYTES = 2_000;
let emulator: EmulatorHandle;
let aws: ReturnType<typeof clients>;
let clock: number;

/** A domain with its own DLQ (policy set) and the CRM-Contact and Order object types. */
async function domainWithDlq(name: string, extra: { DefaultEncryptionKey?: string } = {}) {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const url = QueueUrl ?? "";
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  await aws.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: { Policy: dlqPolicy(Attributes?.QueueArn ?? "", name) },
    }),
  );
  await aws.profiles.send(
    new CreateDomainCommand({
      DomainName: name,
      DefaultExpirationDays: 30,
      DeadLetterQueueUrl: url,
      ...extra,
    }),
  );
  await aws.profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: name,
      ObjectTypeName: "CRM-Contact",
      // The seed's definition, whose field types are looser than the SDK's enums.
      ...(CRM_CONTACT_TYPE as Pick<
        PutProfileObjectTypeCommandInput,
        "Description" | "Fields" | "Keys"
      >),
    }),
  );
  await aws.profiles.send(
    new PutProfileObjectTypeCommand({
      DomainName: name,
      ObjectTypeName: "Order",
      Description: "Web shop orders",
      Fields: {
        OrderId: { Source: "_source.OrderId", Target: "_order.OrderId", ContentType: "STRING" },
        AccountNumber: { Source: "_source.AccountNumber", Target: "_profile.AccountNumber" },
        Note: { Source: "_source.Note", Target: "_order.Note" },
      },
      Keys: {
        _orderId: [{ StandardIdentifiers: ["UNIQUE"], FieldNames: ["OrderId"] }],
        _account: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["AccountNumber"] }],
      },
    }),
  );
  return url;
}

async function put(domain: string, type: string, object: Record<string, unknown>) {
  return aws.profiles.send(
    new PutProfileObjectCommand({
      DomainName: domain,
      ObjectTypeName: type,
      Object: JSON.stringify(object),
    }),
  );
}

async function deadLetters(url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        VisibilityTimeout: 30,
      }),
    );
    if (!Messages?.length) return out;
    out.push(...Messages);
  }
}

const bodyOf = (m: Message) => JSON.parse(m.Body ?? "") as Record<string, string>;

async function profileId(domain: string, account: string): Promise<string> {
  const found = await aws.profiles.send(
    new SearchProfilesCommand({ DomainName: domain, KeyName: "_account", Values: [account] }),
  );
  expect(found.Items).toHaveLength(1);
  return found.Items?.[0]?.ProfileId ?? "";
}

beforeAll(async () => {
  emulator = await startSeeded({ profileObjectsPerSecond: 1, maxObjectBytes: MAX_BYTES });
  // A clock the tests move: the per-profile window is a second long.
  clock = Date.parse("2026-01-01T00:00:00Z");
  emulator.ctx.now = () => clock;
  aws = clients(emulator.url);
});
afterAll(() => emulator.close());

describe("PutProfileObject", () => {
  it("answers at once and ingests later", async () => {
    await domainWithDlq("amazon-connect-later");
    // Called in-process: over HTTP the 5 ms ingestion delay could pass before the reply is read.
    const reply = await profiles.handle(
      "PutProfileObject",
      {
        method: "PUT",
        path: "/domains/amazon-connect-later/profiles/objects",
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.from(
          JSON.stringify({
            ObjectTypeName: "Order",
            Object: JSON.stringify({ OrderId: "o-1", AccountNumber: "A-1" }),
          }),
        ),
        service: "profile",
        region: REGION,
        accountId: ACCOUNT_ID,
        caller: callerOf(emulator.ctx.state, undefined),
        baseUrl: emulator.url,
        requestId: "test",
      },
      emulator.ctx,
    );
    expect(JSON.parse(reply.body ?? "").ProfileObjectUniqueKey).toBeTruthy();
    expect(profileIdsOf(emulator.ctx.state, "amazon-connect-later")).toEqual([]);
    await ingestionIdle(emulator.ctx.state);
    expect(profileIdsOf(emulator.ctx.state, "amazon-connect-later")).toHaveLength(1);
  });

  it("refuses what is not a JSON object, too long or of an unknown type, at once", async () => {
    const base = { DomainName: "amazon-connect-legacy", ObjectTypeName: "CRM-Contact" };
    await rejectsWith(
      aws.profiles.send(new PutProfileObjectCommand({ ...base, Object: "AccountNumber=1" })),
      BadRequestException,
      "JSON",
    );
    await rejectsWith(
      aws.profiles.send(new PutProfileObjectCommand({ ...base, Object: "x".repeat(256_001) })),
      BadRequestException,
    );
    await rejectsWith(
      aws.profiles.send(
        new PutProfileObjectCommand({ ...base, ObjectTypeName: "bad name", Object: "{}" }),
      ),
      BadRequestException,
    );
    await rejectsWith(
      aws.profiles.send(
        new PutProfileObjectCommand({ ...base, ObjectTypeName: "Nope", Object: "{}" }),
      ),
      ResourceNotFoundException,
    );
    await rejectsWith(
      aws.profiles.send(new PutProfileObjectCommand({ ...base, DomainName: "nope", Object: "{}" })),
      ResourceNotFoundException,
    );
  });
});

describe("ingestion errors go to the dead-letter queue", () => {
  it("puts 4 of 5 objects for one profile in a burst on the DLQ, and accepts after a second", async () => {
    const domain = "amazon-connect-burst";
    const url = await domainWithDlq(domain);
    const objects = [1, 2, 3, 4, 5].map((n) => ({ OrderId: `o-${n}`, AccountNumber: "A-7" }));
    await Promise.all(objects.map((o) => put(domain, "Order", o)));
    await ingestionIdle(emulator.ctx.state);

    const messages = await deadLetters(url);
    expect(messages).toHaveLength(4);
    for (const m of messages) {
      const body = bodyOf(m);
      expect(body).toMatchObject({
        domainName: domain,
        objectTypeName: "Order",
        errorMessage: INGESTION_ERRORS.throttled,
      });
      expect(objects).toContainEqual(JSON.parse(body.object ?? ""));
      expect(new Date(body.timestamp ?? "").getTime()).toBe(clock);
      expect(m.MessageAttributes?.ErrorMessage).toEqual({
        DataType: "String",
        StringValue: INGESTION_ERRORS.throttled,
      });
      expect(m.MessageAttributes?.ObjectTypeName?.StringValue).toBe("Order");
    }

    const id = await profileId(domain, "A-7");
    const stored = await aws.profiles.send(
      new ListProfileObjectsCommand({ DomainName: domain, ObjectTypeName: "Order", ProfileId: id }),
    );
    expect(stored.Items).toHaveLength(1);

    clock += 1_000;
    await put(domain, "Order", { OrderId: "o-6", AccountNumber: "A-7" });
    await ingestionIdle(emulator.ctx.state);
    expect(await deadLetters(url)).toHaveLength(0);
    const after = await aws.profiles.send(
      new ListProfileObjectsCommand({ DomainName: domain, ObjectTypeName: "Order", ProfileId: id }),
    );
    expect(after.Items?.map((i) => JSON.parse(i.Object ?? "").OrderId).sort()).toEqual(
      [...(stored.Items ?? []).map((i) => JSON.parse(i.Object ?? "").OrderId), "o-6"].sort(),
    );
  });

  it("dead-letters a missing key, a too-large object and a key binding two profiles", async () => {
    const domain = "amazon-connect-faults";
    const url = await domainWithDlq(domain);
    await put(domain, "CRM-Contact", { AccountNumber: "100", Email: "a@example.com" });
    await put(domain, "CRM-Contact", { AccountNumber: "200", Email: "b@example.com" });
    clock += 1_000;
    await put(domain, "Order", { AccountNumber: "100" });
    await put(domain, "Order", {
      OrderId: "big",
      AccountNumber: "300",
      Note: "x".repeat(MAX_BYTES),
    });
    await put(domain, "CRM-Contact", { AccountNumber: "100", Email: "b@example.com" });
    await ingestionIdle(emulator.ctx.state);

    const errors = (await deadLetters(url)).map((m) => bodyOf(m).errorMessage);
    expect(errors.sort()).toEqual(
      [
        INGESTION_ERRORS.missingKey,
        INGESTION_ERRORS.tooLarge(MAX_BYTES),
        INGESTION_ERRORS.multipleProfiles,
      ].sort(),
    );
    expect(errors).toContain(`Your data contains profile object larger than ${MAX_BYTES} bytes`);

    const domainStats = await aws.profiles.send(new GetDomainCommand({ DomainName: domain }));
    expect(domainStats.Stats).toMatchObject({ ProfileCount: 2, ObjectCount: 2 });
    const contact = await aws.profiles.send(
      new ListProfileObjectsCommand({
        DomainName: domain,
        ObjectTypeName: "CRM-Contact",
        ProfileId: await profileId(domain, "100"),
      }),
    );
    expect(contact.Items?.map((i) => JSON.parse(i.Object ?? ""))).toEqual([
      { AccountNumber: "100", Email: "a@example.com" },
    ]);
  });

  it("dead-letters objects once the domain's KMS key is disabled", async () => {
    const { KeyMetadata } = await aws.kms.send(new CreateKeyCommand({ Description: "domain key" }));
    const domain = "amazon-connect-kms";
    const url = await domainWithDlq(domain, { DefaultEncryptionKey: KeyMetadata?.Arn ?? "" });
    clock += 1_000;
    await put(domain, "Order", { OrderId: "k-1", AccountNumber: "K-1" });
    await ingestionIdle(emulator.ctx.state);
    expect(await deadLetters(url)).toHaveLength(0);

    await aws.kms.send(new DisableKeyCommand({ KeyId: KeyMetadata?.KeyId ?? "" }));
    await put(domain, "Order", { OrderId: "k-2", AccountNumber: "K-2" });
    await ingestionIdle(emulator.ctx.state);
    expect((await deadLetters(url)).map((m) => bodyOf(m).errorMessage)).toEqual([
      INGESTION_ERRORS.invalidKmsKey,
    ]);
  });

  it("loses the message when the queue policy was withdrawn, as AWS's write fails", async () => {
    const domain = "amazon-connect-withdrawn";
    const url = await domainWithDlq(domain);
    await aws.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: "" } }),
    );
    await put(domain, "Order", { AccountNumber: "W-1" });
    await ingestionIdle(emulator.ctx.state);
    expect(await deadLetters(url)).toHaveLength(0);
    expect(findDomain(emulator.ctx.state, domain, REGION)?.droppedDeadLetters).toBe(1);
  });
});

describe("the seeded legacy domain", () => {
  it("holds three CRM contacts findable by account and email", async () => {
    const ids = profileIdsOf(emulator.ctx.state, "amazon-connect-legacy");
    expect(ids).toHaveLength(3);
    const byEmail = await aws.profiles.send(
      new SearchProfilesCommand({
        DomainName: "amazon-connect-legacy",
        KeyName: "_email",
        Values: ["ben.okafor@example.com"],
      }),
    );
    expect(byEmail.Items?.[0]).toMatchObject({ AccountNumber: "1002", FirstName: "Ben" });
    const objects = await aws.profiles.send(
      new ListProfileObjectsCommand({
        DomainName: "amazon-connect-legacy",
        ObjectTypeName: "CRM-Contact",
        ProfileId: byEmail.Items?.[0]?.ProfileId,
      }),
    );
    expect(objects.Items).toHaveLength(1);
  });
});
