/**
 * Shared set-up for the Customer Profiles and Connect emulator tests: real SDK clients
 * pointed at an emulator on a free port, with the seeded Connect instances and legacy domain.
 */
import { ConnectClient } from "@aws-sdk/client-connect";
import { CustomerProfilesClient } from "@aws-sdk/client-customer-profiles";
import { KMSClient } from "@aws-sdk/client-kms";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type EmulatorHandle, type StartOptions, startEmulator } from "../../sandbox/aws/server.js";
import { seedConnect } from "../../sandbox/aws/services/connect.js";
import { seedProfiles } from "../../sandbox/aws/services/profiles.js";
import { ACCOUNT_ID, emptyState } from "../../sandbox/aws/state.js";

export const REGION = "us-east-1";

export async function startSeeded(options: StartOptions = {}): Promise<EmulatorHandle> {
  const state = emptyState();
  seedConnect(state, { region: REGION });
  seedProfiles(state, { region: REGION, baseUrl: "http://127.0.0.1" });
  return startEmulator({ port: 0, quotas: false, ...options, state });
}

export function clients(url: string) {
  const config = {
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    // One attempt: a test asserts on the error the emulator returns, not on the SDK's retries.
    maxAttempts: 1,
  };
  return {
    profiles: new CustomerProfilesClient(config),
    connect: new ConnectClient(config),
    sqs: new SQSClient(config),
    kms: new KMSClient(config),
  };
}

export const domainArn = (name: string) =>
  `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/${name}`;

/** The statement docs/aws/sqs.md gives for a Customer Profiles dead-letter queue. */
export function dlqPolicy(queueArn: string, domainName: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CustomerProfilesDLQ",
        Effect: "Allow",
        Principal: { Service: "profile.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: {
          StringEquals: {
            "aws:SourceAccount": ACCOUNT_ID,
            "aws:SourceArn": domainArn(domainName),
          },
        },
      },
    ],
  });
}

/** What a caller expects: an error of this SDK class, with this text in its message. */
export async function rejectsWith(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => Error,
  text?: string | RegExp,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof errorClass)) {
    throw new Error(
      `expected ${errorClass.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
    );
  }
  if (text !== undefined) {
    const ok = typeof text === "string" ? caught.message.includes(text) : text.test(caught.message);
    if (!ok)
      throw new Error(`${errorClass.name} message "${caught.message}" lacks ${String(text)}`);
  }
  return caught;
}
