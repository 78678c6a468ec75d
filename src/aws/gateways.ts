/**
 * The one place gateways are built: services and jobs receive `Gateways` and never see an
 * SDK client, so tests can hand them gateways over the emulator (or fakes).
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { AwsClients } from "./clients.js";
import { ConnectGateway } from "./connect-gateway.js";
import { IdentityGateway } from "./identity-gateway.js";
import { KmsGateway } from "./kms-gateway.js";
import { ProfilesGateway } from "./profiles-gateway.js";
import { SqsGateway } from "./sqs-gateway.js";

export interface Gateways {
  connect: ConnectGateway;
  profiles: ProfilesGateway;
  sqs: SqsGateway;
  kms: KmsGateway;
  /**
   * STS and IAM, read-only: `doctor` asks who the credentials are and what they may do.
   * Undefined when the clients given have no STS client (tests of the other gateways).
   */
  identity?: IdentityGateway;
}

export function createGateways(
  clients: Pick<AwsClients, "connect" | "profiles" | "sqs" | "kms" | "sts" | "iam">,
): Gateways {
  // Connect's and IAM's clients are read at the first call, not here: createAwsClients builds
  // them, and loads their packages, only when one is first read.
  const { sts } = clients;
  const iam = (): IAMClient => {
    if (!clients.iam) throw new Error("these AWS clients have no IAM client");
    return clients.iam;
  };
  return {
    connect: new ConnectGateway(() => clients.connect),
    profiles: new ProfilesGateway(clients.profiles),
    sqs: new SqsGateway(clients.sqs),
    kms: new KmsGateway(clients.kms),
    ...(sts ? { identity: new IdentityGateway(sts, iam) } : {}),
  };
}
