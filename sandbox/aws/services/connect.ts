/**
 * Amazon Connect (REST-JSON), only as far as profiles-bot reads it: ListInstances and
 * DescribeInstance. Instances are seeded from seed/connect-instances.json; there is no
 * CreateInstance because the bot never creates one.
 */
import { readFileSync } from "node:fs";
import { ACCOUNT_ID, accountOf, type EmulatorState } from "../state.js";
import { AwsError, type AwsRequest, type AwsResponse, type ServiceModule } from "../types.js";

export type InstanceStatus = "CREATION_IN_PROGRESS" | "ACTIVE" | "CREATION_FAILED";

export interface ConnectInstance {
  id: string;
  arn: string;
  region: string;
  alias?: string;
  status: InstanceStatus;
  identityManagementType: "SAML" | "CONNECT_MANAGED" | "EXISTING_DIRECTORY";
  /** Epoch ms. */
  createdTime: number;
  serviceRole: string;
  inboundCallsEnabled: boolean;
  outboundCallsEnabled: boolean;
}

interface ConnectState {
  instances: Record<string, ConnectInstance>;
}

/** One entry of seed/connect-instances.json: region and account are filled in at seed time. */
export interface ConnectInstanceSeed {
  id: string;
  alias?: string;
  status: InstanceStatus;
  identityManagementType: ConnectInstance["identityManagementType"];
  createdTime: string;
  inboundCallsEnabled: boolean;
  outboundCallsEnabled: boolean;
}

const SEED_FILE = new URL("../seed/connect-instances.json", import.meta.url);

export function loadConnectSeed(): ConnectInstanceSeed[] {
  return (JSON.parse(readFileSync(SEED_FILE, "utf8")) as { instances: ConnectInstanceSeed[] })
    .instances;
}

export const instanceArn = (region: string, id: string, account = ACCOUNT_ID) =>
  `arn:aws:connect:${region}:${account}:instance/${id}`;

function connectState(state: EmulatorState): ConnectState {
  const s = state.connect as Partial<ConnectState>;
  s.instances ??= {};
  return s as ConnectState;
}

/** An instance by id or ARN, in any region; Customer Profiles uses it to check integration URIs. */
export function findInstance(state: EmulatorState, ref: string): ConnectInstance | undefined {
  const instances = connectState(state).instances;
  return instances[ref] ?? Object.values(instances).find((i) => i.arn === ref);
}

export function seedConnect(state: EmulatorState, { region }: { region: string }): void {
  const instances = connectState(state).instances;
  for (const seed of loadConnectSeed()) {
    instances[seed.id] = {
      id: seed.id,
      arn: instanceArn(region, seed.id, accountOf(state)),
      region,
      ...(seed.alias ? { alias: seed.alias } : {}),
      status: seed.status,
      identityManagementType: seed.identityManagementType,
      createdTime: Date.parse(seed.createdTime),
      serviceRole: `arn:aws:iam::${accountOf(state)}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_${seed.id.slice(0, 8)}`,
      inboundCallsEnabled: seed.inboundCallsEnabled,
      outboundCallsEnabled: seed.outboundCallsEnabled,
    };
  }
}

const json = (body: unknown): AwsResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

function summary(i: ConnectInstance) {
  return {
    Id: i.id,
    Arn: i.arn,
    IdentityManagementType: i.identityManagementType,
    ...(i.alias ? { InstanceAlias: i.alias } : {}),
    CreatedTime: i.createdTime / 1000,
    ServiceRole: i.serviceRole,
    InstanceStatus: i.status,
    InboundCallsEnabled: i.inboundCallsEnabled,
    OutboundCallsEnabled: i.outboundCallsEnabled,
    ...(i.alias && i.status === "ACTIVE"
      ? { InstanceAccessUrl: `https://${i.alias}.my.connect.aws` }
      : {}),
  };
}

function listInstances(req: AwsRequest, state: EmulatorState): AwsResponse {
  const rawMax = req.query.get("maxResults");
  const max = rawMax === null ? 10 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 10) {
    throw new AwsError(
      "InvalidRequestException",
      `1 validation error detected: Value '${rawMax}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 10`,
    );
  }
  const token = req.query.get("nextToken");
  const start = token === null ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0) {
    throw new AwsError("InvalidRequestException", "The nextToken is not valid.");
  }
  const all = Object.values(connectState(state).instances)
    .filter((i) => i.region === req.region)
    .sort((a, b) => a.createdTime - b.createdTime || a.id.localeCompare(b.id));
  const page = all.slice(start, start + max);
  const next =
    start + max < all.length ? Buffer.from(String(start + max)).toString("base64url") : undefined;
  return json({ InstanceSummaryList: page.map(summary), ...(next ? { NextToken: next } : {}) });
}

function describeInstance(req: AwsRequest, state: EmulatorState): AwsResponse {
  const ref = decodeURIComponent(req.path.slice("/instance/".length));
  const instance = findInstance(state, ref);
  if (!instance || instance.region !== req.region) {
    throw new AwsError("ResourceNotFoundException", `Instance not found: ${ref}`, 404);
  }
  const { InstanceStatus, ...rest } = summary(instance);
  return json({
    Instance: {
      ...rest,
      InstanceStatus,
      ...(instance.status === "CREATION_FAILED"
        ? { StatusReason: { Message: "The instance could not be created." } }
        : {}),
    },
  });
}

type Handler = (req: AwsRequest, state: EmulatorState) => AwsResponse;

const ROUTES: { method: string; pattern: RegExp; operation: string; handler: Handler }[] = [
  { method: "GET", pattern: /^\/instance\/?$/, operation: "ListInstances", handler: listInstances },
  {
    method: "GET",
    pattern: /^\/instance\/[^/]+$/,
    operation: "DescribeInstance",
    handler: describeInstance,
  },
];

export const connect: ServiceModule = {
  name: "connect",
  operationOf: (req) =>
    ROUTES.find((r) => r.method === req.method && r.pattern.test(req.path))?.operation,
  handle(operation, req, ctx) {
    const route = ROUTES.find((r) => r.operation === operation);
    if (!route) throw new AwsError("InvalidRequestException", `Unknown operation ${operation}.`);
    return route.handler(req, ctx.state);
  },
  errorResponse: (err) => ({
    status: err.status,
    // Connect's model names its 500 InternalServiceException, not the core's generic code.
    headers: {
      "content-type": "application/json",
      "x-amzn-ErrorType":
        err.code === "InternalServerException" ? "InternalServiceException" : err.code,
    },
    body: JSON.stringify({ Message: err.message }),
  }),
  throttlingError: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
};
