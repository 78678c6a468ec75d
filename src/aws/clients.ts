/**
 * The AWS SDK clients, built in one place from config: the default credentials chain,
 * the region, one endpoint override for every service (the sandbox emulator), adaptive
 * retries so throttling slows us down instead of failing us, and each command's middleware
 * chain resolved once.
 *
 * Amazon Connect's and IAM's packages are loaded, and their clients built, the first time one
 * of their calls is made: the wizard, `/profiles status` and provisioning use Connect, `doctor`
 * uses IAM, and a bot that only scans and re-ingests never does. Each package builds its whole
 * service model when it loads (Connect's alone is about 5 MB of heap), and ROLE=all loads it
 * once per thread (docs/adr/0020).
 */
import { createRequire } from "node:module";
import type * as ConnectSdk from "@aws-sdk/client-connect";
import { CustomerProfilesClient } from "@aws-sdk/client-customer-profiles";
import type * as IamSdk from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import type { Config } from "../config.js";

const load = createRequire(import.meta.url);
const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
};
/**
 * The packages loaded at their first use, by the name of their accessor below (the tests that
 * read the gateways' calls from the source read these accessors as they read imports).
 */
export const LAZY_PACKAGES = {
  connectSdk: "@aws-sdk/client-connect",
  iamSdk: "@aws-sdk/client-iam",
} as const;
/** Amazon Connect's package, loaded at its first use. */
export const connectSdk = once(() => load(LAZY_PACKAGES.connectSdk) as typeof ConnectSdk);
/** IAM's package, loaded at its first use. */
export const iamSdk = once(() => load(LAZY_PACKAGES.iamSdk) as typeof IamSdk);

export interface AwsClients {
  profiles: CustomerProfilesClient;
  sqs: SQSClient;
  kms: KMSClient;
  /** Built at its first use (read the property only to make a call). */
  connect: ConnectSdk.ConnectClient;
  /**
   * STS and IAM serve `doctor` (who the credentials are, what they may do), STS also finds the
   * account of the bot's own credentials. Always here, IAM built at its first use; optional so
   * that a set of clients made for the other four services is still whole.
   */
  sts?: STSClient;
  iam?: IamSdk.IAMClient;
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
  const metrics = observe && callMetricsPlugin(observe);
  const built: { destroy(): void }[] = [];
  const build = <C extends { middlewareStack: unknown; destroy(): void }>(client: C): C => {
    metrics?.applyToStack(client.middlewareStack);
    built.push(client);
    return client;
  };
  const connect = once(() => build(new (connectSdk().ConnectClient)(common)));
  const iam = once(() => build(new (iamSdk().IAMClient)(common)));
  return {
    profiles: build(new CustomerProfilesClient(common)),
    sqs: build(new SQSClient(common)),
    kms: build(new KMSClient(common)),
    sts: build(new STSClient(common)),
    get connect() {
      return connect();
    },
    get iam() {
      return iam();
    },
    destroy: () => {
      for (const client of built) client.destroy();
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
