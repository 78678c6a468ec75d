/**
 * Customer Profiles tagging in the emulator, through the real SDK client and (when `aws` is on
 * PATH) the AWS CLI: tags set on a domain's ARN come back from ListTagsForResource, GetDomain
 * and ListDomains; untagging removes only the keys named; AWS's limits are enforced.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  BadRequestException,
  CreateDomainCommand,
  GetDomainCommand,
  ListDomainsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-customer-profiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../sandbox/aws/server.js";
import { clients, domainArn, startSeeded } from "./profiles-helpers.js";

const DOMAIN = "amazon-connect-tagged";
let emulator: EmulatorHandle;
let profiles: ReturnType<typeof clients>["profiles"];

beforeAll(async () => {
  emulator = await startSeeded();
  ({ profiles } = clients(emulator.url));
  await profiles.send(
    new CreateDomainCommand({
      DomainName: DOMAIN,
      DefaultExpirationDays: 30,
      Tags: { team: "ops" },
    }),
  );
});
afterAll(() => emulator.close());

const listTags = async (arn = domainArn(DOMAIN)) =>
  (await profiles.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;

describe("Customer Profiles tags through the SDK", () => {
  it("adds tags to a domain, shows them on every read, and removes only the keys named", async () => {
    const resourceArn = domainArn(DOMAIN);
    await profiles.send(
      new TagResourceCommand({
        resourceArn,
        tags: {
          "profiles-bot:channel": "C0OPS",
          "profiles-bot:muted-until": "2026-11-30T12:00:00.000Z",
        },
      }),
    );
    expect(await listTags()).toEqual({
      team: "ops",
      "profiles-bot:channel": "C0OPS",
      "profiles-bot:muted-until": "2026-11-30T12:00:00.000Z",
    });
    const got = await profiles.send(new GetDomainCommand({ DomainName: DOMAIN }));
    expect(got.Tags?.["profiles-bot:channel"]).toBe("C0OPS");
    const listed = await profiles.send(new ListDomainsCommand({}));
    expect(listed.Items?.find((d) => d.DomainName === DOMAIN)?.Tags?.["profiles-bot:channel"]).toBe(
      "C0OPS",
    );

    await profiles.send(
      new UntagResourceCommand({ resourceArn, tagKeys: ["profiles-bot:muted-until", "absent"] }),
    );
    expect(await listTags()).toEqual({ team: "ops", "profiles-bot:channel": "C0OPS" });
  });

  it("answers ResourceNotFoundException for a domain that does not exist", async () => {
    await expect(listTags(domainArn("amazon-connect-nope"))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      profiles.send(
        new TagResourceCommand({ resourceArn: domainArn("amazon-connect-nope"), tags: { a: "b" } }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses what AWS refuses: long keys and values, aws: keys, odd characters, a non-profile ARN, over 50 tags", async () => {
    const resourceArn = domainArn(DOMAIN);
    const tag = (tags: Record<string, string>) =>
      profiles.send(new TagResourceCommand({ resourceArn, tags }));
    await expect(tag({ ["k".repeat(129)]: "v" })).rejects.toBeInstanceOf(BadRequestException);
    await expect(tag({ k: "v".repeat(257) })).rejects.toBeInstanceOf(BadRequestException);
    await expect(tag({ "aws:owner": "me" })).rejects.toBeInstanceOf(BadRequestException);
    await expect(tag({ "has space": "v" })).rejects.toBeInstanceOf(BadRequestException);
    await expect(tag({})).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      profiles.send(
        new TagResourceCommand({ resourceArn: "arn:aws:sqs:us-east-1:1:q", tags: { a: "b" } }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);

    // The longest key and value AWS takes are fine.
    await tag({ ["k".repeat(128)]: "v".repeat(256) });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`bulk-${i}`, "x"]));
    const before = await listTags();
    await expect(tag(many)).rejects.toBeInstanceOf(BadRequestException);
    expect(await listTags()).toEqual(before);
  });
});

const run = promisify(execFile);
const hasCli = await run("aws", ["--version"]).then(
  () => true,
  () => false,
);

describe.skipIf(!hasCli)("Customer Profiles tags through the AWS CLI", () => {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      "aws",
      ["--endpoint-url", emulator.url, "--region", "us-east-1", "--output", "json", ...args],
      { env, timeout: 20_000 },
    );
    return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  };

  it("tags, lists and untags a domain as botocore encodes the calls", async () => {
    const arn = domainArn(DOMAIN);
    await aws(
      "customer-profiles",
      "tag-resource",
      "--resource-arn",
      arn,
      "--tags",
      "cli=yes,other=1",
    );
    expect(
      (await aws("customer-profiles", "list-tags-for-resource", "--resource-arn", arn)).tags,
    ).toMatchObject({
      cli: "yes",
      other: "1",
    });
    await aws(
      "customer-profiles",
      "untag-resource",
      "--resource-arn",
      arn,
      "--tag-keys",
      "cli",
      "other",
    );
    const tags = (await aws("customer-profiles", "list-tags-for-resource", "--resource-arn", arn))
      .tags as Record<string, string>;
    expect(tags.cli).toBeUndefined();
    expect(tags.other).toBeUndefined();
    expect(tags.team).toBe("ops");
  }, 60_000);
});
