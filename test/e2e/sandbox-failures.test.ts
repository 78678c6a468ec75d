/**
 * The sandbox's failure maker: through the real SDK against the emulator, it fills a domain's
 * dead-letter queue with the classes it promises, as the bot's own parser and classifier read
 * them; it refuses domains where failures would be lost; and its command does the same.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CreateDomainCommand, ListProfileObjectsCommand } from "@aws-sdk/client-customer-profiles";
import { DescribeKeyCommand, EnableKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  domainsWithDlq,
  FAILURES_KEY_ALIAS,
  FailureMakerError,
  makeFailures,
} from "../../sandbox/aws/failures.js";
import { ACCOUNT_ID, type EmulatorHandle, startSeededEmulator } from "../../sandbox/aws/index.js";
import { ingestionIdle, profileIdsOf } from "../../sandbox/aws/services/profiles.js";
import { type AwsClients, createAwsClients } from "../../src/aws/clients.js";
import { classify } from "../../src/dlq/classify.js";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import { dlqPolicyStatement } from "../../src/enable/policies.js";

const REGION = "us-east-1";
const DOMAIN = "amazon-connect-failures";

let emulator: EmulatorHandle;
let aws: AwsClients;
let queueUrl: string;

async function createDomainWithDlq(domain: string): Promise<string> {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${domain}-dlq` }));
  const url = QueueUrl ?? "";
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const statement = dlqPolicyStatement({
    queueArn: Attributes?.QueueArn ?? "",
    accountId: ACCOUNT_ID,
    region: REGION,
    domainName: domain,
  });
  await aws.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) },
    }),
  );
  await aws.profiles.send(
    new CreateDomainCommand({
      DomainName: domain,
      DefaultExpirationDays: 30,
      DeadLetterQueueUrl: url,
    }),
  );
  return url;
}

/** Everything in the queue, read once each (a long visibility timeout keeps read ones hidden). */
async function drainQueue(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 600,
        MessageAttributeNames: ["All"],
      }),
    );
    if (!Messages?.length) return all;
    all.push(...Messages);
  }
}

/** Per class, as the bot's digest would count them. */
const classCounts = (messages: Message[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const m of messages) {
    const cls = classify(parseDlqMessage(m));
    counts[cls] = (counts[cls] ?? 0) + 1;
  }
  return counts;
};

beforeAll(async () => {
  emulator = await startSeededEmulator({ port: 0, region: REGION });
  aws = createAwsClients({
    region: REGION,
    endpoint: emulator.url,
    maxAttempts: 3,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  queueUrl = await createDomainWithDlq(DOMAIN);
});

afterAll(async () => {
  aws?.destroy();
  await emulator?.close();
});

describe("makeFailures", () => {
  it("fills the DLQ with every class it promises, as the bot classifies them", async () => {
    const made = await makeFailures(aws, DOMAIN);
    await ingestionIdle(emulator.ctx.state);

    expect(Object.keys(made.classes).sort()).toEqual(
      ["kms", "missing-key", "multi-profile", "throttled", "too-large"].sort(),
    );
    expect(made.sent).toBe(Object.values(made.classes).reduce((a, b) => a + b, 0));
    const messages = await drainQueue(queueUrl);
    expect(messages).toHaveLength(made.sent);
    expect(classCounts(messages)).toEqual(made.classes);
    // Every message is one the bot can read and re-ingest from (none "unreadable").
    for (const m of messages) expect(parseDlqMessage(m).kind).toBe("readable");
  });

  it("fails the same way on a second run, even after the failures key was enabled again", async () => {
    // Someone fixed the key to watch KMS failures re-ingest; making failures breaks it again.
    const key = await aws.kms.send(new DescribeKeyCommand({ KeyId: FAILURES_KEY_ALIAS }));
    expect(key.KeyMetadata?.KeyState).toBe("Disabled");
    await aws.kms.send(new EnableKeyCommand({ KeyId: FAILURES_KEY_ALIAS }));

    const made = await makeFailures(aws, DOMAIN);
    await ingestionIdle(emulator.ctx.state);
    const messages = await drainQueue(queueUrl);
    expect(classCounts(messages)).toEqual(made.classes);
  });

  it("stores the objects that pass: two new profiles per run, one object each", async () => {
    const ids = profileIdsOf(emulator.ctx.state, DOMAIN);
    expect(ids).toHaveLength(4);
    for (const ProfileId of ids) {
      const { Items } = await aws.profiles.send(
        new ListProfileObjectsCommand({
          DomainName: DOMAIN,
          ObjectTypeName: "CRM-Contact",
          ProfileId,
        }),
      );
      expect(Items).toHaveLength(1);
    }
  });

  it("refuses a domain without a DLQ and an unknown one, saying what to do", async () => {
    await expect(makeFailures(aws, "amazon-connect-legacy")).rejects.toThrow(
      /no dead-letter queue.*\/profiles enable/,
    );
    await expect(makeFailures(aws, "amazon-connect-nowhere")).rejects.toThrow(FailureMakerError);
    await expect(makeFailures(aws, "amazon-connect-nowhere")).rejects.toThrow(
      /no domain amazon-connect-nowhere/,
    );
  });

  it("offers only the domains that have a DLQ", async () => {
    expect(await domainsWithDlq(aws.profiles)).toEqual([DOMAIN]);
  });
});

describe("npm run sandbox:failures", () => {
  const run = (args: string[]) =>
    promisify(execFile)("npx", ["tsx", "sandbox/aws/failures-main.ts", ...args], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it("fills the named domain's DLQ through the emulator's API", async () => {
    const out = await run(["--endpoint", emulator.url, "--domain", DOMAIN]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Sent 10 objects to amazon-connect-failures that fail ingestion/);
    await ingestionIdle(emulator.ctx.state);
    expect((await drainQueue(queueUrl)).length).toBe(10);
  });

  it("without --domain, lists the domains it can use", async () => {
    const out = await run(["--endpoint", emulator.url]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`Name a domain with --domain: ${DOMAIN}`);
  });
});
