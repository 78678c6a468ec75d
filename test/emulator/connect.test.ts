import {
  DescribeInstanceCommand,
  InvalidRequestException,
  ListInstancesCommand,
  paginateListInstances,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../sandbox/aws/server.js";
import { clients, rejectsWith, startSeeded } from "./profiles-helpers.js";

let emulator: EmulatorHandle;
let aws: ReturnType<typeof clients>;

beforeAll(async () => {
  emulator = await startSeeded();
  aws = clients(emulator.url);
});
afterAll(() => emulator.close());

describe("ListInstances", () => {
  it("lists the seeded instances, the one being created without an alias", async () => {
    const { InstanceSummaryList, NextToken } = await aws.connect.send(new ListInstancesCommand({}));
    expect(NextToken).toBeUndefined();
    expect(InstanceSummaryList?.map((i) => [i.InstanceAlias, i.InstanceStatus])).toEqual([
      ["legacy-support", "ACTIVE"],
      ["examplecorp", "ACTIVE"],
      [undefined, "CREATION_IN_PROGRESS"],
    ]);
    for (const instance of InstanceSummaryList ?? []) {
      expect(instance.Arn).toBe(`arn:aws:connect:us-east-1:111122223333:instance/${instance.Id}`);
      expect(instance.CreatedTime).toBeInstanceOf(Date);
      expect(instance.IdentityManagementType).toMatch(/^(SAML|CONNECT_MANAGED)$/);
      expect(instance.ServiceRole).toMatch(/^arn:aws:iam::111122223333:role\//);
      expect(typeof instance.InboundCallsEnabled).toBe("boolean");
      expect(typeof instance.OutboundCallsEnabled).toBe("boolean");
    }
  });

  it("pages with MaxResults and refuses values outside 1-10", async () => {
    const pages: number[] = [];
    for await (const page of paginateListInstances(
      { client: aws.connect, pageSize: 2 },
      { MaxResults: 2 },
    )) {
      pages.push(page.InstanceSummaryList?.length ?? 0);
    }
    expect(pages).toEqual([2, 1]);
    await rejectsWith(
      aws.connect.send(new ListInstancesCommand({ MaxResults: 11 })),
      InvalidRequestException,
      "between 1 and 10",
    );
    await rejectsWith(
      aws.connect.send(new ListInstancesCommand({ MaxResults: 0 })),
      InvalidRequestException,
    );
  });
});

describe("DescribeInstance", () => {
  it("describes an instance by id or ARN", async () => {
    const { InstanceSummaryList } = await aws.connect.send(new ListInstancesCommand({}));
    const summary = InstanceSummaryList?.find((i) => i.InstanceAlias === "examplecorp");
    const byId = await aws.connect.send(new DescribeInstanceCommand({ InstanceId: summary?.Id }));
    expect(byId.Instance).toMatchObject({
      Id: summary?.Id,
      Arn: summary?.Arn,
      InstanceAlias: "examplecorp",
      InstanceStatus: "ACTIVE",
    });
    const byArn = await aws.connect.send(new DescribeInstanceCommand({ InstanceId: summary?.Arn }));
    expect(byArn.Instance?.Id).toBe(summary?.Id);
    await rejectsWith(
      aws.connect.send(
        new DescribeInstanceCommand({ InstanceId: "00000000-0000-0000-0000-000000000000" }),
      ),
      ResourceNotFoundException,
    );
  });
});

describe("quota", () => {
  it("throttles past a burst of 5", async () => {
    const limited = await startSeeded({ quotas: true });
    // A stopped clock: the token bucket must not refill between calls on a slow machine.
    const frozen = Date.now();
    limited.ctx.now = () => frozen;
    try {
      const { connect } = clients(limited.url);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => connect.send(new ListInstancesCommand({}))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
      const rejected = results.find((r) => r.status === "rejected");
      expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(ThrottlingException);
    } finally {
      await limited.close();
    }
  });
});
