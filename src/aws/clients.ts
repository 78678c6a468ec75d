/**
 * The AWS SDK clients, built in one place from config: the default credentials chain,
 * the region, one endpoint override for every service (the sandbox emulator), and
 * adaptive retries so throttling slows us down instead of failing us.
 */
import { ConnectClient } from "@aws-sdk/client-connect";
import { CustomerProfilesClient } from "@aws-sdk/client-customer-profiles";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import type { Config } from "../config.js";

export interface AwsClients {
  profiles: CustomerProfilesClient;
  sqs: SQSClient;
  kms: KMSClient;
  connect: ConnectClient;
  /**
   * STS and IAM serve `doctor` only (who the credentials are, what they may do). Always built
   * here; optional so that a set of clients made for the other four services is still whole.
   */
  sts?: STSClient;
  iam?: IAMClient;
  destroy(): void;
}

export type AwsClientConfig = Config["aws"] & {
  /** Tests pass static credentials; production uses the default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export function createAwsClients(aws: AwsClientConfig): AwsClients {
  const common = {
    region: aws.region,
    endpoint: aws.endpoint,
    maxAttempts: aws.maxAttempts,
    retryMode: "adaptive",
    credentials: aws.credentials,
  } as const;
  const clients = {
    profiles: new CustomerProfilesClient(common),
    sqs: new SQSClient(common),
    kms: new KMSClient(common),
    connect: new ConnectClient(common),
    sts: new STSClient(common),
    iam: new IAMClient(common),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
