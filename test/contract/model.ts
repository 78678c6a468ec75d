/**
 * AWS's published service models (test/contract/models/, from the aws-sdk-js release that
 * the `aws-sdk` devDependency is) and a checker for the JSON on the wire: which operation a
 * request is, what its input and output are once the REST locations are read, and whether
 * they keep the model's rules (required members, types, patterns, lengths, ranges, enums,
 * list and map members, and the error codes an operation may answer).
 *
 * Test-only code: nothing here is how the bot or the emulator works, only what AWS says.
 */
import { readFileSync } from "node:fs";
import { formInput, xmlErrorCode, xmlOutput } from "./query.js";
import { MODEL_FILES, type ModelService } from "./served.js";

export interface ShapeRef {
  shape: string;
  /** Query protocol: the element an operation's output sits in. */
  resultWrapper?: string;
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  locationName?: string;
}

export interface Shape {
  type:
    | "structure"
    | "list"
    | "map"
    | "string"
    | "integer"
    | "long"
    | "float"
    | "double"
    | "boolean"
    | "timestamp"
    | "blob";
  required?: string[];
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  payload?: string;
  timestampFormat?: string;
}

export interface Operation {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  output?: ShapeRef;
  errors: { shape: string }[];
}

export interface Model {
  service: ModelService;
  source: string;
  metadata: {
    protocol: "json" | "rest-json" | "query";
    targetPrefix?: string;
    signingName?: string;
    endpointPrefix: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

/**
 * Members AWS added after the last aws-sdk-js v2 release, by service (models/additions.json):
 * the v2 models stopped there, the SDK v3 clients the bot uses did not.
 */
export interface Additions {
  /** Structure name → the members added to it. */
  members: Record<string, Record<string, ShapeRef>>;
  /** Shapes those members reach that the kept model lacks. */
  shapes: Record<string, Shape>;
}

export function loadAdditions(): Partial<Record<ModelService, Additions>> {
  const file = new URL("./models/additions.json", import.meta.url);
  const { source: _, ...byService } = JSON.parse(readFileSync(file, "utf8"));
  return byService;
}

/** The kept model as published, without the additions. */
export function loadPublishedModel(service: ModelService): Model {
  const file = new URL(`./models/${MODEL_FILES[service]}.json`, import.meta.url);
  const raw = JSON.parse(readFileSync(file, "utf8")) as Omit<Model, "service" | "operations"> & {
    operations: Record<string, Omit<Operation, "name">>;
  };
  const operations = Object.fromEntries(
    Object.entries(raw.operations).map(([name, op]) => [
      name,
      { ...op, name, errors: op.errors ?? [] },
    ]),
  );
  return { ...raw, service, operations };
}

/** The model the contract tests check against: the published one with the additions merged in. */
export function loadModel(service: ModelService): Model {
  const model = loadPublishedModel(service);
  const added = loadAdditions()[service];
  if (!added) return model;
  const shapes: Record<string, Shape> = { ...model.shapes, ...added.shapes };
  for (const [name, members] of Object.entries(added.members)) {
    const shape = shapes[name] as Shape;
    shapes[name] = { ...shape, members: { ...shape.members, ...members } };
  }
  return { ...model, shapes };
}

/**
 * Errors any AWS API may answer besides those an operation declares: AWS's list of common
 * errors (authentication, throttling, internal failures), the JSON protocols' own (a body
 * that does not parse, an unknown target, a failed validation), and `Throttling` and
 * `AccessDenied`, the Query APIs' (STS, IAM) spelling of those, which their models leave out.
 */
const COMMON_ERRORS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "IncompleteSignature",
  "InternalFailure",
  "InvalidAction",
  "InvalidClientTokenId",
  "InvalidParameterCombination",
  "InvalidParameterValue",
  "InvalidQueryParameter",
  "InvalidSignatureException",
  "MalformedQueryString",
  "MissingAction",
  "MissingAuthenticationToken",
  "MissingParameter",
  "NotAuthorized",
  "OptInRequired",
  "RequestExpired",
  "SerializationException",
  "ServiceUnavailable",
  "Throttling",
  "ThrottlingException",
  "UnknownOperationException",
  "UnrecognizedClientException",
  "ValidationError",
  "ValidationException",
]);

// ---- checking a value against a shape ---------------------------------------------------

const at = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

const patterns = new Map<string, RegExp | undefined>();

/** AWS writes Java patterns; nearly all are ECMAScript too. Smithy patterns are not anchored. */
function patternOf(source: string): RegExp | undefined {
  if (!patterns.has(source)) {
    let re: RegExp | undefined;
    for (const flags of ["u", ""]) {
      try {
        re = new RegExp(source, flags);
        break;
      } catch {
        // Tried without the u flag next; a pattern neither accepts is reported by the caller.
      }
    }
    patterns.set(source, re);
  }
  return patterns.get(source);
}

export interface CheckOptions {
  /** Where a value came from a URI, query string or header, numbers and booleans arrive as text. */
  fromText?: boolean;
  /** The top-level members that came from the URI, query string or headers. */
  textMembers?: Set<string>;
}

/** Every way `value` breaks the model's rules for `ref`, each as "path: what is wrong". */
export function check(
  model: Model,
  ref: ShapeRef,
  value: unknown,
  path = "",
  opts: CheckOptions = {},
): string[] {
  const shape = model.shapes[ref.shape];
  if (!shape) return [`${path}: shape ${ref.shape} is not in ${model.service}'s model`];
  const where = path || "(top)";
  const problems: string[] = [];
  const range = (n: number, what: string) => {
    if (shape.min !== undefined && n < shape.min)
      problems.push(
        `${where}: ${what} ${n} is below the model's minimum ${shape.min} (${ref.shape})`,
      );
    if (shape.max !== undefined && n > shape.max)
      problems.push(
        `${where}: ${what} ${n} is above the model's maximum ${shape.max} (${ref.shape})`,
      );
  };
  switch (shape.type) {
    case "structure": {
      if (kind(value) !== "object")
        return [`${where}: expected an object (${ref.shape}), got ${kind(value)}`];
      const obj = value as Record<string, unknown>;
      const members = shape.members ?? {};
      for (const name of shape.required ?? []) {
        if (obj[name] === undefined || obj[name] === null)
          problems.push(`${at(path, name)}: required by ${ref.shape} but missing`);
      }
      for (const [name, v] of Object.entries(obj)) {
        const member = members[name];
        if (!member) {
          problems.push(`${at(path, name)}: not a member of ${ref.shape} in AWS's model`);
          continue;
        }
        if (v === undefined) continue;
        const fromText = opts.textMembers?.has(name) ?? opts.fromText ?? false;
        problems.push(...check(model, member, v, at(path, name), { fromText }));
      }
      return problems;
    }
    case "list": {
      if (!Array.isArray(value))
        return [`${where}: expected a list (${ref.shape}), got ${kind(value)}`];
      range(value.length, "length");
      value.forEach((v, i) => {
        if (shape.member)
          problems.push(
            ...check(model, shape.member, v, at(path, i), { ...opts, textMembers: undefined }),
          );
      });
      return problems;
    }
    case "map": {
      if (kind(value) !== "object")
        return [`${where}: expected a map (${ref.shape}), got ${kind(value)}`];
      const entries = Object.entries(value as Record<string, unknown>);
      range(entries.length, "entry count");
      for (const [k, v] of entries) {
        const inner = { fromText: opts.fromText ?? false };
        if (shape.key) problems.push(...check(model, shape.key, k, `${at(path, k)} (key)`, inner));
        if (shape.value) problems.push(...check(model, shape.value, v, at(path, k), inner));
      }
      return problems;
    }
    case "string": {
      if (typeof value !== "string")
        return [`${where}: expected a string (${ref.shape}), got ${kind(value)}`];
      // Smithy counts a string's length in Unicode scalar values, not UTF-16 units.
      range([...value].length, "length");
      if (shape.enum && !shape.enum.includes(value))
        problems.push(
          `${where}: "${value}" is not one of ${ref.shape}'s values (${shape.enum.join(", ")})`,
        );
      if (shape.pattern) {
        const re = patternOf(shape.pattern);
        if (!re)
          problems.push(`${where}: ${ref.shape}'s pattern ${shape.pattern} cannot be checked here`);
        else if (!re.test(value))
          problems.push(
            `${where}: "${value.slice(0, 80)}" does not match ${ref.shape}'s pattern ${shape.pattern}`,
          );
      }
      return problems;
    }
    case "integer":
    case "long": {
      const n =
        opts.fromText && typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n))
        return [`${where}: expected an integer (${ref.shape}), got ${JSON.stringify(value)}`];
      range(n, "value");
      return problems;
    }
    case "float":
    case "double": {
      const n = opts.fromText && typeof value === "string" ? Number(value) : value;
      if (typeof n !== "number" || Number.isNaN(n))
        return [`${where}: expected a number (${ref.shape}), got ${JSON.stringify(value)}`];
      range(n, "value");
      return problems;
    }
    case "boolean": {
      const ok =
        typeof value === "boolean" || (opts.fromText && (value === "true" || value === "false"));
      return ok
        ? []
        : [`${where}: expected a boolean (${ref.shape}), got ${JSON.stringify(value)}`];
    }
    case "timestamp": {
      // JSON bodies carry epoch seconds unless the shape says otherwise; URIs, query strings
      // and headers carry text (ISO 8601 or an HTTP date).
      const text = shape.timestampFormat === "iso8601" || opts.fromText;
      const ok = text
        ? typeof value === "string" && !Number.isNaN(Date.parse(value))
        : typeof value === "number" && Number.isFinite(value);
      return ok
        ? []
        : [
            `${where}: expected a timestamp as ${text ? "text" : "epoch seconds"} (${ref.shape}), got ${JSON.stringify(value)}`,
          ];
    }
    case "blob": {
      const ok = typeof value === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
      return ok ? [] : [`${where}: expected base64 (${ref.shape}), got ${kind(value)}`];
    }
    default:
      return [
        `${where}: ${ref.shape} has type ${String((shape as Shape).type)}, which this checker does not know`,
      ];
  }
}

// ---- reading an exchange as the model sees it --------------------------------------------

export interface Exchange {
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
  responseBody: string;
}

const header = (h: Exchange["headers"], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
};

/** The operation an exchange is, found from AWS's models alone (never from the emulator's router). */
export function operationOf(
  models: Model[],
  ex: Exchange,
): { model: Model; operation: Operation; labels: Record<string, string> } | undefined {
  const target = header(ex.headers, "x-amz-target");
  if (target) {
    const [prefix, name] = target.split(".");
    const model = models.find((m) => m.metadata.targetPrefix === prefix);
    const operation = model?.operations[name ?? ""];
    return model && operation ? { model, operation, labels: {} } : undefined;
  }
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(
    header(ex.headers, "authorization") ?? "",
  );
  const model = models.find(
    (m) => (m.metadata.signingName ?? m.metadata.endpointPrefix) === scope?.[1],
  );
  if (!model) return undefined;
  if (model.metadata.protocol === "query") {
    const operation = model.operations[new URLSearchParams(ex.body).get("Action") ?? ""];
    return operation ? { model, operation, labels: {} } : undefined;
  }
  const path = ex.url.split("?")[0] ?? "/";
  const segments = path.split("/").filter(Boolean);
  let best: { operation: Operation; labels: Record<string, string>; literal: number } | undefined;
  for (const operation of Object.values(model.operations)) {
    if (operation.http.method !== ex.method) continue;
    // The models these tests use have no greedy ({Name+}) labels.
    const template = (operation.http.requestUri.split("?")[0] ?? "/").split("/").filter(Boolean);
    if (template.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    let literal = 0;
    const matches = template.every((t, i) => {
      const segment = segments[i] as string;
      const label = /^\{(\w+)\}$/.exec(t)?.[1];
      if (label) labels[label] = decodeURIComponent(segment);
      else if (segment === t) literal++;
      return label !== undefined || segment === t;
    });
    if (matches && (!best || literal > best.literal)) best = { operation, labels, literal };
  }
  return best ? { model, operation: best.operation, labels: best.labels } : undefined;
}

const parseJson = (text: string): unknown => (text.trim() === "" ? {} : JSON.parse(text));

/**
 * The input as the model names it: for REST-JSON, members read from the URI, the query
 * string and headers as the model places them, the rest from the body. Returns the values
 * read from text separately, since they are checked as text.
 */
function inputOf(
  model: Model,
  operation: Operation,
  ex: Exchange,
  labels: Record<string, string>,
): { body: Record<string, unknown>; text: Record<string, unknown> } {
  if (model.metadata.protocol === "json")
    return { body: parseJson(ex.body) as Record<string, unknown>, text: {} };
  if (model.metadata.protocol === "query")
    return { body: {}, text: operation.input ? formInput(model, operation.input, ex.body) : {} };
  return split(model, operation.input, ex.body, (name, ref) => {
    const query = new URLSearchParams(ex.url.split("?")[1] ?? "");
    const wire = ref.locationName ?? name;
    if (ref.location === "uri") return labels[wire];
    if (ref.location === "querystring") {
      const all = query.getAll(wire);
      if (all.length === 0) return undefined;
      return model.shapes[ref.shape]?.type === "list" ? all : all[0];
    }
    if (ref.location === "header") return header(ex.headers, wire);
    return undefined;
  });
}

/** The output as the model names it (headers and status code members included). */
function outputOf(
  model: Model,
  operation: Operation,
  ex: Exchange,
): { body: Record<string, unknown>; text: Record<string, unknown> } {
  if (model.metadata.protocol === "json")
    return { body: parseJson(ex.responseBody) as Record<string, unknown>, text: {} };
  if (model.metadata.protocol === "query") {
    const out = operation.output;
    const text = out?.resultWrapper
      ? xmlOutput(model, out, out.resultWrapper, ex.responseBody)
      : {};
    return { body: {}, text };
  }
  return split(model, operation.output, ex.responseBody, (name, ref) => {
    if (ref.location === "header") return header(ex.responseHeaders, ref.locationName ?? name);
    if (ref.location === "statusCode") return String(ex.status);
    return undefined;
  });
}

function split(
  model: Model,
  ref: ShapeRef | undefined,
  body: string,
  fromHttp: (name: string, member: ShapeRef) => unknown,
): { body: Record<string, unknown>; text: Record<string, unknown> } {
  const shape = ref ? model.shapes[ref.shape] : undefined;
  const parsed = parseJson(body) as Record<string, unknown>;
  if (!shape?.members) return { body: parsed, text: {} };
  const text: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    if (!member.location) continue;
    const v = fromHttp(name, member);
    if (v !== undefined) text[name] = v;
  }
  if (shape.payload) {
    // The body is one member; these models only use structure payloads on the bot's calls.
    return { body: { [shape.payload]: parsed }, text };
  }
  return { body: parsed, text };
}

/** The error code an AWS answer names, without namespace or extra fields. */
export function errorCodeOf(ex: Exchange): string | undefined {
  if (ex.responseBody.trimStart().startsWith("<")) return xmlErrorCode(ex.responseBody);
  const fromHeader = header(ex.responseHeaders, "x-amzn-errortype");
  let fromBody: string | undefined;
  try {
    const body = JSON.parse(ex.responseBody) as { __type?: string; code?: string };
    fromBody = body.__type ?? body.code;
  } catch {
    fromBody = undefined;
  }
  const raw = fromHeader ?? fromBody;
  if (!raw) return undefined;
  return raw.split(":")[0]?.split("#").pop();
}

/**
 * Every way one exchange breaks AWS's model: the request against the operation's input, and
 * the answer against its output, or its error code against the declared and common errors.
 */
export function checkExchange(
  models: Model[],
  ex: Exchange,
): { operation?: string; problems: string[] } {
  const found = operationOf(models, ex);
  if (!found)
    return { problems: [`${ex.method} ${ex.url}: no operation in AWS's models is this request`] };
  const { model, operation, labels } = found;
  const name = `${model.service}:${operation.name}`;
  const problems: string[] = [];
  // A body that does not parse is a break of its own, not a crash of the whole check.
  const read = <T>(side: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${name} ${side} cannot be read: ${(err as Error).message}`);
      return undefined;
    }
  };
  const input = read("request", () => inputOf(model, operation, ex, labels));
  const output =
    ex.status < 300 ? read("response", () => outputOf(model, operation, ex)) : undefined;
  const inShape = operation.input;
  if (inShape && input) {
    problems.push(...checkParts(model, inShape, input).map((p) => `${name} request ${p}`));
  }
  if (ex.status < 300 && !output) return { operation: name, problems };
  if (output) {
    if (operation.output)
      problems.push(
        ...checkParts(model, operation.output, output).map((p) => `${name} response ${p}`),
      );
    else if (model.metadata.protocol !== "query" && !["", "{}"].includes(ex.responseBody.trim()))
      problems.push(
        `${name} response: AWS's model gives this operation no output, the emulator sent a body`,
      );
  } else {
    const code = errorCodeOf(ex);
    // Query APIs answer a declared error by its code, which for IAM is the shape's name
    // without "Exception" (NoSuchEntityException is NoSuchEntity on the wire); these models
    // keep the names of error shapes but not their codes.
    const declared = operation.errors.flatMap((e) =>
      model.metadata.protocol === "query"
        ? [e.shape, e.shape.replace(/Exception$/, "")]
        : [e.shape],
    );
    if (!code) problems.push(`${name} error (HTTP ${ex.status}) names no error code`);
    else if (!declared.includes(code) && !COMMON_ERRORS.has(code))
      problems.push(
        `${name} error ${code} is neither one of the operation's declared errors (${declared.join(", ")}) nor a common AWS error`,
      );
  }
  return { operation: name, problems };
}

function checkParts(
  model: Model,
  ref: ShapeRef,
  parts: { body: Record<string, unknown>; text: Record<string, unknown> },
): string[] {
  return check(model, ref, { ...parts.body, ...parts.text }, "", {
    textMembers: new Set(Object.keys(parts.text)),
  });
}
