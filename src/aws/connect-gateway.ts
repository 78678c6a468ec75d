/**
 * Amazon Connect, read-only: the wizard lists instances and checks the one picked.
 */
import type { ConnectClient, Instance, InstanceSummary } from "@aws-sdk/client-connect";
import { parseArn } from "./arn.js";
import { connectSdk } from "./clients.js";
import { type AwsCall, awsCall, undefinedIfNotFound } from "./errors.js";
import { collectPages } from "./paginate.js";

export type InstanceStatus = "CREATION_IN_PROGRESS" | "ACTIVE" | "CREATION_FAILED";

export interface ConnectInstance {
  id: string;
  arn: string;
  alias?: string;
  status: InstanceStatus;
  /** From the ARN, so instances listed through another region's endpoint still say where they live. */
  region: string;
  accountId: string;
  identityManagementType?: string;
  createdAt?: Date;
  /** Only from describeInstance, and only when creation failed. */
  statusReason?: string;
}

/** Connect caps ListInstances pages at 10. */
const PAGE_SIZE = 10;

function toInstance(i: InstanceSummary | Instance): ConnectInstance {
  const arn = i.Arn ?? "";
  const parsed = parseArn(arn);
  return {
    id: i.Id ?? parsed?.resource.split("/")[1] ?? "",
    arn,
    ...(i.InstanceAlias ? { alias: i.InstanceAlias } : {}),
    status: (i.InstanceStatus ?? "ACTIVE") as InstanceStatus,
    region: parsed?.region ?? "",
    accountId: parsed?.accountId ?? "",
    ...(i.IdentityManagementType ? { identityManagementType: i.IdentityManagementType } : {}),
    ...(i.CreatedTime ? { createdAt: i.CreatedTime } : {}),
  };
}

/** The path takes the bare id; an ARN's `instance/<id>` suffix gives it. */
const instanceIdOf = (idOrArn: string) =>
  idOrArn.startsWith("arn:") ? (idOrArn.split("/").pop() ?? idOrArn) : idOrArn;

export class ConnectGateway {
  /** The client is asked for at each call: it is built, and its package loaded, at the first. */
  constructor(private readonly client: () => ConnectClient) {}

  private call<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
    const call: AwsCall = {
      service: "connect",
      operation,
      iamAction: `connect:${operation}`,
      resource,
    };
    return awsCall(call, fn);
  }

  listInstances(): Promise<ConnectInstance[]> {
    const { ListInstancesCommand } = connectSdk();
    return collectPages(async (token) => {
      const out = await this.call("ListInstances", "*", () =>
        this.client().send(new ListInstancesCommand({ MaxResults: PAGE_SIZE, NextToken: token })),
      );
      return { items: (out.InstanceSummaryList ?? []).map(toInstance), next: out.NextToken };
    });
  }

  /** By id or ARN; undefined when no such instance exists in this region. */
  describeInstance(idOrArn: string): Promise<ConnectInstance | undefined> {
    const { DescribeInstanceCommand } = connectSdk();
    const resource = idOrArn.startsWith("arn:")
      ? idOrArn
      : `arn:aws:connect:*:*:instance/${idOrArn}`;
    return undefinedIfNotFound(
      this.call("DescribeInstance", resource, async () => {
        const out = await this.client().send(
          new DescribeInstanceCommand({ InstanceId: instanceIdOf(idOrArn) }),
        );
        const instance = out.Instance ?? {};
        const reason = instance.StatusReason?.Message;
        return { ...toInstance(instance), ...(reason ? { statusReason: reason } : {}) };
      }),
    );
  }
}
