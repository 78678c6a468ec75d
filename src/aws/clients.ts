/**
 * The AWS SDK clients, built in one place from config: the default credentials chain,
 * the region, one endpoint override for every service (the sandbox emulator), adaptive
 * retries so throttling slows us down instead of failing us, and each command's middleware
 * chain resolved once.
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

export type AwsClientConfig = Omit<Config["aws"], "targets"> & {
  /**
   * Tests pass static credentials; production uses the default chain, or, for a target's
   * role, the provider of the assumed role's session.
   */
  credentials?: NonNullable<ConstructorParameters<typeof STSClient>[0]>["credentials"];
};

/** One finished SDK call (retries included); `error` is the exception's name. */
export interface AwsCall {
  service: string;
  operation: string;
  error?: string;
  seconds: number;
}

export function createAwsClients(
  aws: AwsClientConfig,
  observe?: (call: AwsCall) => void,
): AwsClients {
  const common = {
    region: aws.region,
    endpoint: aws.endpoint,
    maxAttempts: aws.maxAttempts,
    retryMode: "adaptive",
    credentials: aws.credentials,
    // Each command class's middleware chain is resolved once per client, not on every call:
    // about a fifth less CPU per call (docs/adr/0018). It holds because nothing changes a
    // stack after the first call (the call metrics below are added here) and no call passes
    // per-call options.
    cacheMiddleware: true,
  } as const;
  const clients = {
    profiles: new CustomerProfilesClient(common),
    sqs: new SQSClient(common),
    kms: new KMSClient(common),
    connect: new ConnectClient(common),
    sts: new STSClient(common),
    iam: new IAMClient(common),
  };
  if (observe) {
    const metrics = callMetricsPlugin(observe);
    for (const client of Object.values(clients)) metrics.applyToStack(client.middlewareStack);
  }
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

// Each client's stack is typed by its own commands; this middleware reads none of them.
type AnyStack = {
  add(middleware: ReturnType<typeof timed>, options: typeof TIMED & { override: true }): void;
};

/**
 * The call metrics as an SDK plugin, for clients built elsewhere too (the STS client the
 * SDK's AssumeRole provider makes). It may be applied to one stack more than once (that
 * provider applies its plugins on every call), so it replaces itself.
 */
export function callMetricsPlugin(observe: (call: AwsCall) => void) {
  return {
    applyToStack: (stack: unknown) =>
      (stack as AnyStack).add(timed(observe), { ...TIMED, override: true }),
  };
}

/**
 * Outermost of the stack (initialize, high priority): it sees each command once, after the
 * SDK's retries, with the final error if any. The names are the SDK's own: the client's
 * (`SQSClient`), the command's (`ReceiveMessageCommand`), the modelled exception's name.
 */
const TIMED = {
  step: "initialize" as const,
  priority: "high" as const,
  name: "profilesBotCallMetrics",
};

/** The parts of the SDK's middleware signature this one uses. */
type Next = (args: unknown) => Promise<unknown>;
type Context = { clientName?: string; commandName?: string };

function timed(observe: (call: AwsCall) => void) {
  return (next: Next, context: Context) => async (args: unknown) => {
    const started = performance.now();
    const service = String(context.clientName ?? "unknown");
    const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
    const done = (error?: string) =>
      observe({ service, operation, error, seconds: (performance.now() - started) / 1000 });
    try {
      const out = await next(args);
      done();
      return out;
    } catch (err) {
      done((err as Error)?.name ?? "Error");
      throw err;
    }
  };
}
