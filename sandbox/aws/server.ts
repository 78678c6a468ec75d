/**
 * The AWS emulator's HTTP core: one server for SQS, KMS, Customer Profiles and Connect.
 * It routes by X-Amz-Target, then by the service in the request's signing scope, applies
 * latency, faults and TPS quotas, and hands the request to the service module. Paths under
 * /_emulator/ are the emulator's own control endpoint, never an AWS operation.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  accountsState,
  callerOf,
  credentialsProblem,
  putRole,
  RoleInputError,
} from "./accounts.js";
import { FaultInputError, Faults } from "./faults.js";
import { Propagation, PropagationInputError } from "./propagation.js";
import { QuotaBuckets } from "./quotas.js";
import { connect } from "./services/connect.js";
import { iam } from "./services/iam.js";
import { kms } from "./services/kms.js";
import { profiles } from "./services/profiles.js";
import { sqs } from "./services/sqs.js";
import { sts } from "./services/sts.js";
import { type EmulatorState, emptyState, placeState, saveState } from "./state.js";
import {
  AwsError,
  type AwsRequest,
  type AwsResponse,
  defaultOptions,
  type EmulatorContext,
  type EmulatorOptions,
  type ServiceModule,
  type ServiceName,
} from "./types.js";

const SERVICES: Record<ServiceName, ServiceModule> = {
  sqs,
  kms,
  profile: profiles,
  connect,
  sts,
  iam,
};

export interface EmulatorHandle {
  url: string;
  server: Server;
  ctx: EmulatorContext;
  /** Calls served so far, per "service:Operation": for tests and benchmarks. */
  calls: Map<string, number>;
  /** The faults in force, changeable while the emulator runs (also at /_emulator/faults). */
  faults: Faults;
  /** The propagation delays in force (also at /_emulator/propagation). */
  propagation: Propagation;
  save(file: string): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<EmulatorOptions> {
  host?: string;
  port?: number;
  state?: EmulatorState;
  /** Replaces the default TPS quotas ("service:Operation" or "service:*" → rate, burst). */
  quotaTable?: Record<string, { rate: number; burst: number }>;
}

/** The service, the region and the access key id of the signing scope. */
function serviceOf(
  req: IncomingMessage,
  body: Buffer,
): { service: ServiceName; region: string; accessKeyId?: string } | undefined {
  const target = String(req.headers["x-amz-target"] ?? "");
  const auth = String(req.headers.authorization ?? "");
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  const region = scope?.[2] ?? "us-east-1";
  const signed = { region, ...(scope ? { accessKeyId: scope[1] } : {}) };
  if (target.startsWith("AmazonSQS.")) return { service: "sqs", ...signed };
  if (target.startsWith("TrentService.")) return { service: "kms", ...signed };
  const name = scope?.[3];
  if (name && Object.hasOwn(SERVICES, name)) return { service: name as ServiceName, ...signed };
  // An unsigned Query request (curl, old scripts) still names SQS's API version.
  const form = new URLSearchParams(body.toString("utf8"));
  if (form.get("Version") === "2012-11-05" && form.has("Action")) {
    return { service: "sqs", ...signed };
  }
  return undefined;
}

const header = (http: IncomingMessage, name: string): string | undefined => {
  const value = http.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const CONTROL = "/_emulator/";
const FAULTS_PATH = "/_emulator/faults";
const PROPAGATION_PATH = "/_emulator/propagation";
const ROLES_PATH = "/_emulator/roles";
const ASSUMED_PATH = "/_emulator/assumed-roles";
const CONTROL_PATHS = [FAULTS_PATH, PROPAGATION_PATH, ROLES_PATH, ASSUMED_PATH];

const json = (status: number, value: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(value),
});

/**
 * The control endpoints. /_emulator/faults: GET lists the faults, POST adds or replaces those
 * in its JSON body (the `faults` option's form), DELETE clears them all or the one named by
 * `?key=`. /_emulator/propagation: the same for the propagation delays (propagation.ts).
 * /_emulator/roles: IAM roles and their trust policies; /_emulator/assumed-roles: the
 * AssumeRole calls so far (accounts.ts). A request signed or targeted for AWS is refused, so
 * no SDK call can reach them by accident.
 */
function control(
  http: IncomingMessage,
  url: URL,
  body: Buffer,
  { faults, propagation, root }: { faults: Faults; propagation: Propagation; root: EmulatorState },
): AwsResponse {
  if (http.headers["x-amz-target"] || /^AWS4-/.test(String(http.headers.authorization ?? ""))) {
    return json(400, {
      error: `${url.pathname} is the emulator's control endpoint, not an AWS API: send plain JSON without AWS signing.`,
    });
  }
  if (url.pathname === PROPAGATION_PATH) return propagationControl(http, body, propagation);
  if (url.pathname === ROLES_PATH) return rolesControl(http, url, body, root);
  if (url.pathname === ASSUMED_PATH) return assumedControl(http, root);
  if (url.pathname !== FAULTS_PATH) {
    return json(404, {
      error: `No control endpoint ${url.pathname}; they are ${CONTROL_PATHS.join(", ")}.`,
    });
  }
  const listing = () => json(200, { faults: faults.list() });
  switch (http.method) {
    case "GET":
      return listing();
    case "POST": {
      let input: unknown;
      try {
        input = JSON.parse(body.toString("utf8"));
      } catch {
        return json(400, {
          error:
            'The body must be JSON like {"profile:CreateDomain":{"code":"AccessDeniedException","count":1}}.',
        });
      }
      try {
        faults.set(input as Parameters<Faults["set"]>[0]);
      } catch (err) {
        if (!(err instanceof FaultInputError)) throw err;
        return json(400, {
          error: `No fault was changed: ${err.message}.`,
          problems: err.problems,
        });
      }
      return listing();
    }
    case "DELETE": {
      const key = url.searchParams.get("key") ?? undefined;
      if (!faults.clear(key)) {
        return json(404, {
          error: `No fault is set on "${key}"; GET ${FAULTS_PATH} lists the faults in force.`,
        });
      }
      return listing();
    }
    default:
      return json(
        405,
        { error: `${http.method} is not served here: use GET, POST or DELETE ${FAULTS_PATH}.` },
        { allow: "GET, POST, DELETE" },
      );
  }
}

/** GET lists the delays, POST adds or replaces those in its body, DELETE clears them all. */
function propagationControl(
  http: IncomingMessage,
  body: Buffer,
  propagation: Propagation,
): AwsResponse {
  const listing = () => json(200, { propagation: propagation.list() });
  switch (http.method) {
    case "GET":
      return listing();
    case "POST": {
      try {
        propagation.set(JSON.parse(body.toString("utf8")));
      } catch (err) {
        if (err instanceof PropagationInputError) {
          return json(400, {
            error: `No delay was changed: ${err.message}.`,
            problems: err.problems,
          });
        }
        if (!(err instanceof SyntaxError)) throw err;
        return json(400, { error: 'The body must be JSON like {"key":5000,"key-policy":5000}.' });
      }
      return listing();
    }
    case "DELETE":
      propagation.clear();
      return listing();
    default:
      return json(
        405,
        {
          error: `${http.method} is not served here: use GET, POST or DELETE ${PROPAGATION_PATH}.`,
        },
        { allow: "GET, POST, DELETE" },
      );
  }
}

const notServed = (http: IncomingMessage, path: string, methods: string) =>
  json(
    405,
    {
      error: `${http.method} is not served here: use ${methods.split(", ").join(" or ")} ${path}.`,
    },
    { allow: methods },
  );

/**
 * GET lists the roles; POST adds or replaces the one in its body, `{"arn": …, "trustPolicy":
 * {…}, "maxSessionDuration": 3600}`; DELETE `?arn=` removes one.
 */
function rolesControl(
  http: IncomingMessage,
  url: URL,
  body: Buffer,
  root: EmulatorState,
): AwsResponse {
  const { roles } = accountsState(root).iam;
  const listing = () =>
    json(200, {
      roles: Object.values(roles).map((r) => ({ ...r, trustPolicy: JSON.parse(r.trustPolicy) })),
    });
  switch (http.method) {
    case "GET":
      return listing();
    case "POST": {
      let input: Parameters<typeof putRole>[1];
      try {
        input = JSON.parse(body.toString("utf8"));
      } catch {
        input = undefined as never;
      }
      if (!input || typeof input !== "object") {
        return json(400, {
          error:
            'The body must be JSON like {"arn":"arn:aws:iam::444455556666:role/name","trustPolicy":{"Statement":[…]}}.',
        });
      }
      try {
        putRole(root, input);
      } catch (err) {
        if (!(err instanceof RoleInputError)) throw err;
        return json(400, { error: `No role was changed: ${err.message}.` });
      }
      return listing();
    }
    case "DELETE": {
      const arn = url.searchParams.get("arn") ?? "";
      if (!roles[arn]) {
        return json(404, { error: `No role ${arn}; GET ${ROLES_PATH} lists the roles.` });
      }
      delete roles[arn];
      return listing();
    }
    default:
      return notServed(http, ROLES_PATH, "GET, POST, DELETE");
  }
}

/** GET lists the AssumeRole calls so far, oldest first; DELETE forgets them. */
function assumedControl(http: IncomingMessage, root: EmulatorState): AwsResponse {
  const { sts } = accountsState(root);
  switch (http.method) {
    case "GET":
      return json(200, { assumedRoles: sts.assumed });
    case "DELETE":
      sts.assumed = [];
      return json(200, { assumedRoles: sts.assumed });
    default:
      return notServed(http, ASSUMED_PATH, "GET, DELETE");
  }
}

export async function startEmulator(opts: StartOptions = {}): Promise<EmulatorHandle> {
  const options: EmulatorOptions = { ...defaultOptions(), ...opts };
  const root = opts.state ?? emptyState();
  const ctx: EmulatorContext = {
    state: root,
    root,
    options,
    now: Date.now,
    // Reads ctx.now at each call, so a test that replaces the clock moves propagation too.
    propagation: new Propagation(() => ctx.now(), options.propagationMs),
  };
  const quotas = new QuotaBuckets(opts.quotaTable);
  // The requests not yet answered: aborted on close so that pending long polls end instead
  // of holding the process open.
  const pending = new Set<AbortController>();
  const calls = new Map<string, number>();
  const faults = new Faults(
    () => options.random(),
    Object.keys(SERVICES) as ServiceName[],
    options.faults,
  );

  async function dispatch(
    http: IncomingMessage,
    signal: AbortSignal,
    requestId: string,
  ): Promise<AwsResponse> {
    const url = new URL(http.url ?? "/", "http://emulator");
    const body = await readBody(http);
    if (url.pathname.startsWith(CONTROL)) {
      return control(http, url, body, { faults, propagation: ctx.propagation, root });
    }
    const found = serviceOf(http, body);
    if (!found) {
      return {
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          message:
            "The emulator could not tell which AWS service this request is for (no signing scope or X-Amz-Target).",
        }),
      };
    }
    const module = SERVICES[found.service];
    const caller = callerOf(root, found.accessKeyId);
    const req: AwsRequest = {
      method: http.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: http.headers,
      body,
      service: found.service,
      region: found.region,
      accountId: caller.account,
      caller,
      baseUrl: `http://${http.headers.host ?? "127.0.0.1"}`,
      requestId,
      signal,
    };
    const refusal = credentialsProblem(
      root,
      found.accessKeyId,
      header(http, "x-amz-security-token"),
      ctx.now(),
      found.service,
    );
    if (refusal) return module.errorResponse(refusal, req);
    const operation = module.operationOf(req);
    if (!operation) {
      return module.errorResponse(
        new AwsError(
          "UnknownOperationException",
          `The emulator does not implement ${req.method} ${req.path}.`,
          400,
        ),
        req,
      );
    }
    const key = `${found.service}:${operation}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    if (options.latencyMs > 0) await new Promise((r) => setTimeout(r, options.latencyMs));
    const injected = faults.inject(found.service, operation, () =>
      module.throttlingError(operation),
    );
    if (injected) return module.errorResponse(injected, req);
    if (options.quotas && !quotas.take(found.service, operation, ctx.now())) {
      return module.errorResponse(module.throttlingError(operation), req);
    }
    // The request sees its own account and region only; the clock is read through the
    // handle's ctx, so a test that replaces ctx.now moves it here too.
    const scoped: EmulatorContext = {
      ...ctx,
      state: placeState(root, caller.account, found.region),
      now: () => ctx.now(),
    };
    try {
      return await module.handle(operation, req, scoped);
    } catch (err) {
      if (err instanceof AwsError) return module.errorResponse(err, req);
      return module.errorResponse(
        new AwsError("InternalServerException", `Emulator error: ${(err as Error).message}`, 500),
        req,
      );
    }
  }

  const server = createServer((http: IncomingMessage, res: ServerResponse) => {
    // Aborted when the client leaves before its answer (a long poll given up) or the
    // emulator closes. An answered request is not aborted: nothing waits on it any more, and
    // each abort builds a DOMException, which was a tenth of the emulator's CPU under load.
    const gone = new AbortController();
    pending.add(gone);
    res.on("close", () => {
      pending.delete(gone);
      if (!res.writableFinished) gone.abort();
    });
    const requestId = randomUUID();
    dispatch(http, gone.signal, requestId).then(
      (out) => {
        if (res.destroyed) return;
        res.writeHead(out.status, { "x-amzn-requestid": requestId, ...out.headers });
        res.end(out.body ?? "");
      },
      (err: Error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 4566, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${address.port}`,
    server,
    ctx,
    calls,
    faults,
    propagation: ctx.propagation,
    save: (file) => saveState(ctx.state, file),
    close: () =>
      new Promise<void>((resolve) => {
        for (const request of pending) request.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
