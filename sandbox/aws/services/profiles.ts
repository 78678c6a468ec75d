/**
 * Amazon Connect Customer Profiles (service "profile", REST-JSON): domains, integrations,
 * object types and object ingestion with its dead-letter queue.
 *
 * PutProfileObject answers at once and ingests a few ms later, as AWS does: an object that
 * fails processing never reaches the caller as an error, it lands on the domain's DLQ. That
 * asynchrony is the behaviour profiles-bot exists for, so the emulator keeps it.
 * README.md ("Customer Profiles ingestion and the dead-letter message shape") describes
 * the message written there.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  ACCOUNT_ID,
  type EmulatorState,
  enqueueMessage,
  findKey,
  findQueueByUrl,
  type KmsKey,
  type SqsQueue,
} from "../state.js";
import {
  AwsError,
  type AwsRequest,
  type AwsResponse,
  type EmulatorContext,
  type ServiceModule,
} from "../types.js";
import { findInstance, instanceArn, loadConnectSeed } from "./connect.js";

// ---------------------------------------------------------------------------------------
// State

export interface ObjectTypeKey {
  StandardIdentifiers?: string[];
  FieldNames?: string[];
}

export interface ObjectTypeField {
  Source?: string;
  Target?: string;
  ContentType?: string;
}

export interface ProfileObjectType {
  name: string;
  description: string;
  templateId?: string;
  expirationDays?: number;
  encryptionKey?: string;
  allowProfileCreation: boolean;
  sourceLastUpdatedTimestampFormat?: string;
  maxProfileObjectCount?: number;
  fields: Record<string, ObjectTypeField>;
  keys: Record<string, ObjectTypeKey[]>;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface Integration {
  uri: string;
  objectTypeName?: string;
  objectTypeNames?: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface Profile {
  profileId: string;
  /** Key name (e.g. "_account") → the values that identify this profile. */
  keys: Record<string, string[]>;
  /** Standard profile fields set through `_profile.X` targets (FirstName, EmailAddress, ...). */
  fields: Record<string, string>;
  attributes: Record<string, string>;
  createdAt: number;
}

export interface StoredObject {
  uniqueKey: string;
  objectTypeName: string;
  object: string;
  profileId: string;
  /** Key name → value, as computed at ingestion, for ListProfileObjects' ObjectFilter. */
  keys: Record<string, string>;
  ingestedAt: number;
}

export interface Domain {
  name: string;
  region: string;
  arn: string;
  defaultExpirationDays: number;
  defaultEncryptionKey?: string;
  deadLetterQueueUrl?: string;
  matching?: unknown;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
  integrations: Integration[];
  objectTypes: Record<string, ProfileObjectType>;
  profiles: Record<string, Profile>;
  objects: Record<string, StoredObject>;
  /** Dead-letter writes that could not be delivered (queue gone, policy or key withdrawn). */
  droppedDeadLetters: number;
}

export interface ProfileState {
  /** Keyed `${region}/${name}`: domain names are unique per region. */
  domains: Record<string, Domain>;
  /**
   * When true, PutIntegration refuses a Connect instance URI with AccessDeniedException, as
   * AWS's model warns it may ("link the instance from the Amazon Connect console").
   */
  refuseConnectLinks?: boolean;
}

export function profileState(state: EmulatorState): ProfileState {
  const s = state.profile as Partial<ProfileState>;
  s.domains ??= {};
  return s as ProfileState;
}

export const domainArn = (region: string, name: string) =>
  `arn:aws:profile:${region}:${ACCOUNT_ID}:domains/${name}`;

export function findDomain(
  state: EmulatorState,
  name: string,
  region = "us-east-1",
): Domain | undefined {
  return profileState(state).domains[`${region}/${name}`];
}

/** The profile ids of a domain, oldest first: for tests. */
export function profileIdsOf(state: EmulatorState, domainName: string, region = "us-east-1") {
  const domain = findDomain(state, domainName, region);
  return domain
    ? Object.values(domain.profiles)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((p) => p.profileId)
    : [];
}

// ---------------------------------------------------------------------------------------
// Limits and texts

const MAX_DOMAINS_PER_REGION = 100;
const MAX_OBJECT_CHARS = 256_000;
const DOMAIN_NAME = /^[a-zA-Z0-9_-]+$/;
const OBJECT_TYPE_NAME = /^[a-zA-Z_][a-zA-Z_0-9-]*$/;
/** Object types Connect writes itself: an integration may name them without defining them. */
const CONNECT_OBJECT_TYPES = new Set(["CTR"]);
const STANDARD_IDENTIFIERS = new Set([
  "PROFILE",
  "ASSET",
  "CASE",
  "ORDER",
  "COMMUNICATION_RECORD",
  "AIR_PREFERENCE",
  "HOTEL_PREFERENCE",
  "AIR_BOOKING",
  "AIR_SEGMENT",
  "HOTEL_RESERVATION",
  "HOTEL_STAY_REVENUE",
  "LOYALTY",
  "LOYALTY_TRANSACTION",
  "LOYALTY_PROMOTION",
  "UNIQUE",
  "SECONDARY",
  "LOOKUP_ONLY",
  "NEW_ONLY",
]);
const CONTENT_TYPES = new Set(["STRING", "NUMBER", "PHONE_NUMBER", "EMAIL_ADDRESS", "NAME"]);

export const INGESTION_ERRORS = {
  throttled: "Too many objects ingested on profile per second",
  missingKey: "The UNIQUE key or PROFILE key does not exist in the profile object",
  invalidKmsKey: "Customer Profiles cannot ingest the object due to invalid KMS key",
  tooLarge: (bytes: number) => `Your data contains profile object larger than ${bytes} bytes`,
  multipleProfiles: "All keys of this object are binding to more than one profiles",
} as const;

// ---------------------------------------------------------------------------------------
// Request helpers

const bad = (message: string) => new AwsError("BadRequestException", message, 400);
const notFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);

const json = (body: unknown): AwsResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const seconds = (ms: number) => ms / 1000;

function bodyOf(req: AwsRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(req.body.toString("utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Falls through to the same error as a non-object body.
  }
  throw bad("The request body is not a JSON object.");
}

/** The path's segments, URL-decoded: labels such as a domain name arrive percent-encoded. */
const segments = (req: AwsRequest) =>
  req.path
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));

function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad(`${member} must be a string.`);
  return value;
}

function requiredString(body: Record<string, unknown>, member: string): string {
  const value = optionalString(body, member);
  if (value === undefined) {
    throw bad(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function stringMap(value: unknown, member: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw bad(`${member} must be a map.`);
  for (const v of Object.values(value)) {
    if (typeof v !== "string") throw bad(`${member} values must be strings.`);
  }
  return value as Record<string, string>;
}

function lengthBetween(value: string, member: string, min: number, max: number): void {
  if (value.length < min || value.length > max) {
    throw bad(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between ${min} and ${max}`,
    );
  }
}

function checkDomainName(name: string): void {
  lengthBetween(name, "domainName", 1, 64);
  if (!DOMAIN_NAME.test(name)) {
    throw bad(
      `1 validation error detected: Value '${name}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$`,
    );
  }
}

function checkObjectTypeName(name: string): void {
  lengthBetween(name, "objectTypeName", 1, 255);
  if (!OBJECT_TYPE_NAME.test(name)) {
    throw bad(
      `1 validation error detected: Value '${name}' at 'objectTypeName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z_][a-zA-Z_0-9-]*$`,
    );
  }
}

function expirationDays(value: unknown, member: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1098) {
    throw bad(
      `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have value between 1 and 1098`,
    );
  }
  return value;
}

/** A page of `items` from the `next-token` / `max-results` query members. */
function paginate<T>(req: AwsRequest, items: T[], maxLimit = 100): { page: T[]; next?: string } {
  const rawMax = req.query.get("max-results");
  const max = rawMax === null ? maxLimit : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > maxLimit) {
    throw bad(
      `1 validation error detected: Value '${rawMax}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${maxLimit}`,
    );
  }
  const token = req.query.get("next-token");
  const start = token === null ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0) throw bad("The next token is not valid.");
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, next: Buffer.from(String(start + max)).toString("base64url") }
    : { page };
}

function domainOf(req: AwsRequest, state: EmulatorState): Domain {
  const name = segments(req)[1] ?? "";
  checkDomainName(name);
  const domain = findDomain(state, name, req.region);
  if (!domain) throw notFound(`Domain ${name} does not exist.`);
  return domain;
}

// ---------------------------------------------------------------------------------------
// Checks against KMS and SQS state

function usableKey(state: EmulatorState, ref: string, region: string): KmsKey | undefined {
  const key = findKey(state, ref);
  return key &&
    key.region === region &&
    key.keyState === "Enabled" &&
    key.keyUsage === "ENCRYPT_DECRYPT" &&
    key.keySpec === "SYMMETRIC_DEFAULT"
    ? key
    : undefined;
}

function checkEncryptionKey(state: EmulatorState, ref: string, region: string): void {
  lengthBetween(ref, "defaultEncryptionKey", 0, 255);
  const key = findKey(state, ref);
  if (!key || key.region !== region) {
    throw bad(`KMS key is invalid: ${ref} does not exist in ${region}.`);
  }
  if (key.keyState !== "Enabled") {
    throw bad(`KMS key is invalid: ${key.arn} is ${key.keyState}.`);
  }
  if (key.keyUsage !== "ENCRYPT_DECRYPT" || key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw bad(`KMS key is invalid: ${key.arn} is not a symmetric encryption key.`);
  }
}

interface PolicyStatement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM's wildcard match: `*` any run of characters, `?` one character, case-sensitive. */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

function principalIsService(principal: unknown, service: string): boolean {
  if (principal === "*") return true;
  if (!principal || typeof principal !== "object") return false;
  const p = principal as Record<string, unknown>;
  return asList(p.AWS).includes("*") || asList(p.Service).includes(service);
}

function actionAllows(actions: unknown, action: string): boolean {
  return asList(actions).some(
    (a) => typeof a === "string" && globMatch(a.toLowerCase(), action.toLowerCase()),
  );
}

/**
 * Whether a statement's conditions hold for a service call with the given context. Only
 * the operators DLQ and key policies use are understood; any other makes the statement not
 * apply, so the emulator never grants more than AWS would.
 */
function conditionsHold(
  condition: PolicyStatement["Condition"],
  context: Record<string, string>,
): boolean {
  if (!condition) return true;
  const lowered = Object.fromEntries(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(condition).every(([operator, entries]) =>
    Object.entries(entries ?? {}).every(([rawKey, expected]) => {
      const actual = lowered[rawKey.toLowerCase()];
      if (actual === undefined) return false;
      const values = asList(expected).map(String);
      switch (operator) {
        case "StringEquals":
        case "ArnEquals":
          return values.includes(actual);
        case "StringLike":
        case "ArnLike":
          return values.some((v) => globMatch(v, actual));
        default:
          return false;
      }
    }),
  );
}

/** Whether a resource policy lets `service` call `action` on `resource` in this context. */
function policyAllows(
  policyJson: string | undefined,
  service: string,
  action: string,
  resource: string,
  context: Record<string, string>,
): boolean {
  if (!policyJson) return false;
  let statements: PolicyStatement[];
  try {
    statements = asList(
      (JSON.parse(policyJson) as { Statement?: unknown }).Statement,
    ) as PolicyStatement[];
  } catch {
    return false;
  }
  const applies = (s: PolicyStatement) =>
    principalIsService(s.Principal, service) &&
    actionAllows(s.Action, action) &&
    (s.Resource === undefined ||
      asList(s.Resource).some((r) => typeof r === "string" && globMatch(r, resource))) &&
    conditionsHold(s.Condition, context);
  const matching = statements.filter(applies);
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

const serviceContext = (region: string, domainName: string) => ({
  "aws:SourceAccount": ACCOUNT_ID,
  "aws:SourceArn": domainArn(region, domainName),
});

/** Why Customer Profiles cannot write to this queue for this domain, or undefined if it can. */
function deadLetterProblem(
  state: EmulatorState,
  url: string,
  region: string,
  domainName: string,
): string | undefined {
  const queue = findQueueByUrl(state, url);
  if (!queue || queue.region !== region) {
    return `The dead letter queue ${url} does not exist or is not in ${region}.`;
  }
  const allowed = policyAllows(
    queue.attributes.Policy,
    "profile.amazonaws.com",
    "sqs:SendMessage",
    queue.arn,
    serviceContext(region, domainName),
  );
  if (!allowed) {
    return `Customer Profiles does not have permission to send messages to the dead letter queue ${url}. Add a statement to the queue policy that allows the service principal profile.amazonaws.com to call sqs:SendMessage on ${queue.arn} with aws:SourceAccount ${ACCOUNT_ID} and aws:SourceArn ${domainArn(region, domainName)}.`;
  }
  return undefined;
}

/**
 * Whether an SSE-KMS queue's key lets the service encrypt. AWS does not check this at
 * CreateDomain; the dead-letter write just fails, so the emulator drops the message too.
 */
function queueKeyUsable(state: EmulatorState, queue: SqsQueue, domain: Domain): boolean {
  const ref = queue.attributes.KmsMasterKeyId;
  if (!ref || ref === "alias/aws/sqs") return true;
  const key = usableKey(state, ref, queue.region);
  return (
    !!key &&
    policyAllows(
      key.policy,
      "profile.amazonaws.com",
      "kms:GenerateDataKey",
      key.arn,
      serviceContext(domain.region, domain.name),
    )
  );
}

// ---------------------------------------------------------------------------------------
// Domains

function domainBody(d: Domain) {
  return {
    DomainName: d.name,
    DefaultExpirationDays: d.defaultExpirationDays,
    ...(d.defaultEncryptionKey ? { DefaultEncryptionKey: d.defaultEncryptionKey } : {}),
    ...(d.deadLetterQueueUrl ? { DeadLetterQueueUrl: d.deadLetterQueueUrl } : {}),
    ...(d.matching ? { Matching: d.matching } : {}),
    CreatedAt: seconds(d.createdAt),
    LastUpdatedAt: seconds(d.lastUpdatedAt),
    Tags: d.tags,
  };
}

function createDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const name = segments(req)[1] ?? "";
  checkDomainName(name);
  const body = bodyOf(req);
  const days = expirationDays(body.DefaultExpirationDays, "defaultExpirationDays");
  const key = optionalString(body, "DefaultEncryptionKey") || undefined;
  const dlq = optionalString(body, "DeadLetterQueueUrl") || undefined;
  const tags = stringMap(body.Tags, "Tags");
  const { domains } = profileState(ctx.state);
  if (domains[`${req.region}/${name}`]) throw bad(`Domain ${name} already exists.`);
  const inRegion = Object.values(domains).filter((d) => d.region === req.region).length;
  if (inRegion >= MAX_DOMAINS_PER_REGION) {
    throw bad(
      `You have reached the maximum number of domains (${MAX_DOMAINS_PER_REGION}) in ${req.region}.`,
    );
  }
  if (key) checkEncryptionKey(ctx.state, key, req.region);
  if (dlq) {
    const problem = deadLetterProblem(ctx.state, dlq, req.region, name);
    if (problem) throw bad(problem);
  }
  const now = ctx.now();
  const domain: Domain = {
    name,
    region: req.region,
    arn: domainArn(req.region, name),
    defaultExpirationDays: days,
    ...(key ? { defaultEncryptionKey: key } : {}),
    ...(dlq ? { deadLetterQueueUrl: dlq } : {}),
    ...(body.Matching ? { matching: body.Matching } : {}),
    tags,
    createdAt: now,
    lastUpdatedAt: now,
    integrations: [],
    objectTypes: {},
    profiles: {},
    objects: {},
    droppedDeadLetters: 0,
  };
  domains[`${req.region}/${name}`] = domain;
  return json(domainBody(domain));
}

function getDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const objects = Object.values(domain.objects);
  const profileCount = Object.keys(domain.profiles).length;
  return json({
    ...domainBody(domain),
    Stats: {
      ProfileCount: profileCount,
      MeteringProfileCount: profileCount,
      ObjectCount: objects.length,
      TotalSize: objects.reduce((n, o) => n + Buffer.byteLength(o.object, "utf8"), 0),
    },
  });
}

function listDomains(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const all = Object.values(profileState(ctx.state).domains)
    .filter((d) => d.region === req.region)
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, next } = paginate(req, all);
  return json({
    Items: page.map((d) => ({
      DomainName: d.name,
      CreatedAt: seconds(d.createdAt),
      LastUpdatedAt: seconds(d.lastUpdatedAt),
      Tags: d.tags,
    })),
    ...(next ? { NextToken: next } : {}),
  });
}

function updateDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const days =
    body.DefaultExpirationDays === undefined || body.DefaultExpirationDays === null
      ? undefined
      : expirationDays(body.DefaultExpirationDays, "defaultExpirationDays");
  const key = optionalString(body, "DefaultEncryptionKey");
  const dlq = optionalString(body, "DeadLetterQueueUrl");
  const tags = stringMap(body.Tags, "Tags");
  // Validate everything before changing anything: a failed update leaves the domain as it was.
  if (key) checkEncryptionKey(ctx.state, key, req.region);
  if (dlq) {
    const problem = deadLetterProblem(ctx.state, dlq, req.region, domain.name);
    if (problem) throw bad(problem);
  }
  if (days !== undefined) domain.defaultExpirationDays = days;
  if (key === "") delete domain.defaultEncryptionKey;
  else if (key) domain.defaultEncryptionKey = key;
  if (dlq === "") delete domain.deadLetterQueueUrl;
  else if (dlq) domain.deadLetterQueueUrl = dlq;
  if (body.Matching) domain.matching = body.Matching;
  Object.assign(domain.tags, tags);
  domain.lastUpdatedAt = ctx.now();
  return json(domainBody(domain));
}

function deleteDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  delete profileState(ctx.state).domains[`${domain.region}/${domain.name}`];
  return json({ Message: `Domain ${domain.name} was deleted.` });
}

// ---------------------------------------------------------------------------------------
// Integrations

function integrationBody(domain: Domain, i: Integration) {
  return {
    DomainName: domain.name,
    Uri: i.uri,
    CreatedAt: seconds(i.createdAt),
    LastUpdatedAt: seconds(i.lastUpdatedAt),
    ...(i.objectTypeName ? { ObjectTypeName: i.objectTypeName } : {}),
    ...(i.objectTypeNames ? { ObjectTypeNames: i.objectTypeNames } : {}),
    Tags: i.tags,
    IsUnstructured: false,
  };
}

const CONNECT_INSTANCE_ARN = /^arn:aws:connect:([a-z0-9-]+):(\d{12}):instance\/([0-9a-f-]+)$/;

function checkObjectTypeExists(domain: Domain, name: string): void {
  if (!domain.objectTypes[name] && !CONNECT_OBJECT_TYPES.has(name)) {
    throw bad(`Object type ${name} does not exist in domain ${domain.name}.`);
  }
}

function putIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const uri = optionalString(body, "Uri");
  if (!uri)
    throw bad("Uri is required unless a FlowDefinition is given; the emulator supports only Uri.");
  lengthBetween(uri, "uri", 1, 255);
  const objectTypeName = optionalString(body, "ObjectTypeName");
  const objectTypeNames = body.ObjectTypeNames
    ? stringMap(body.ObjectTypeNames, "ObjectTypeNames")
    : undefined;
  if (!objectTypeName && !objectTypeNames) {
    throw bad("Either ObjectTypeName or ObjectTypeNames must be provided.");
  }
  if (objectTypeName) checkObjectTypeExists(domain, objectTypeName);
  for (const name of Object.values(objectTypeNames ?? {})) checkObjectTypeExists(domain, name);

  const connectArn = CONNECT_INSTANCE_ARN.exec(uri);
  if (connectArn) {
    const state = profileState(ctx.state);
    if (state.refuseConnectLinks) {
      throw new AwsError(
        "AccessDeniedException",
        "An Amazon Connect instance cannot be associated with a domain directly from the API. Enable Customer Profiles for the instance from the Amazon Connect console.",
        403,
      );
    }
    const instance = findInstance(ctx.state, uri);
    if (!instance || connectArn[1] !== req.region) {
      throw bad(`The Amazon Connect instance ${uri} does not exist in ${req.region}.`);
    }
    if (instance.status !== "ACTIVE") {
      throw bad(`The Amazon Connect instance ${uri} is ${instance.status}, not ACTIVE.`);
    }
    const other = Object.values(state.domains).find(
      (d) => d !== domain && d.integrations.some((i) => i.uri === uri),
    );
    if (other) {
      throw bad(
        `The Amazon Connect instance ${uri} is already associated with domain ${other.name}. An instance can be associated with only one domain.`,
      );
    }
  }

  const now = ctx.now();
  const tags = stringMap(body.Tags, "Tags");
  let integration = domain.integrations.find((i) => i.uri === uri);
  if (integration) {
    integration.lastUpdatedAt = now;
    Object.assign(integration.tags, tags);
  } else {
    integration = { uri, tags, createdAt: now, lastUpdatedAt: now };
    domain.integrations.push(integration);
  }
  if (objectTypeName) integration.objectTypeName = objectTypeName;
  if (objectTypeNames) integration.objectTypeNames = objectTypeNames;
  return json(integrationBody(domain, integration));
}

function findIntegration(domain: Domain, uri: string): Integration {
  const integration = domain.integrations.find((i) => i.uri === uri);
  if (!integration) throw notFound(`Integration ${uri} does not exist in domain ${domain.name}.`);
  return integration;
}

function getIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const uri = requiredString(bodyOf(req), "Uri");
  return json(integrationBody(domain, findIntegration(domain, uri)));
}

function listIntegrations(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const { page, next } = paginate(req, domain.integrations);
  return json({
    Items: page.map((i) => integrationBody(domain, i)),
    ...(next ? { NextToken: next } : {}),
  });
}

function listAccountIntegrations(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const uri = requiredString(bodyOf(req), "Uri");
  lengthBetween(uri, "uri", 1, 255);
  const all = Object.values(profileState(ctx.state).domains)
    .filter((d) => d.region === req.region)
    .flatMap((d) => d.integrations.filter((i) => i.uri === uri).map((i) => integrationBody(d, i)));
  const { page, next } = paginate(req, all);
  return json({ Items: page, ...(next ? { NextToken: next } : {}) });
}

function deleteIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const uri = requiredString(bodyOf(req), "Uri");
  const integration = findIntegration(domain, uri);
  domain.integrations = domain.integrations.filter((i) => i !== integration);
  return json({ Message: `Integration ${uri} was deleted from domain ${domain.name}.` });
}

// ---------------------------------------------------------------------------------------
// Object types

function objectTypeBody(t: ProfileObjectType) {
  return {
    ObjectTypeName: t.name,
    Description: t.description,
    ...(t.templateId ? { TemplateId: t.templateId } : {}),
    ...(t.expirationDays ? { ExpirationDays: t.expirationDays } : {}),
    ...(t.encryptionKey ? { EncryptionKey: t.encryptionKey } : {}),
    AllowProfileCreation: t.allowProfileCreation,
    ...(t.sourceLastUpdatedTimestampFormat
      ? { SourceLastUpdatedTimestampFormat: t.sourceLastUpdatedTimestampFormat }
      : {}),
    ...(t.maxProfileObjectCount ? { MaxProfileObjectCount: t.maxProfileObjectCount } : {}),
    Fields: t.fields,
    Keys: t.keys,
    CreatedAt: seconds(t.createdAt),
    LastUpdatedAt: seconds(t.lastUpdatedAt),
    Tags: t.tags,
  };
}

function parseFields(value: unknown): Record<string, ObjectTypeField> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw bad("Fields must be a map.");
  const fields = value as Record<string, ObjectTypeField>;
  for (const [name, field] of Object.entries(fields)) {
    if (!field || typeof field !== "object") throw bad(`Field ${name} must be an object.`);
    if (field.ContentType !== undefined && !CONTENT_TYPES.has(field.ContentType)) {
      throw bad(`Field ${name} has an invalid ContentType ${field.ContentType}.`);
    }
    if (field.Source !== undefined && !field.Source.startsWith("_source.")) {
      throw bad(`Field ${name}: Source must start with _source.`);
    }
  }
  return fields;
}

function parseKeys(
  value: unknown,
  fields: Record<string, ObjectTypeField>,
): Record<string, ObjectTypeKey[]> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw bad("Keys must be a map.");
  const keys = value as Record<string, ObjectTypeKey[]>;
  for (const [name, list] of Object.entries(keys)) {
    if (!Array.isArray(list)) throw bad(`Key ${name} must be a list.`);
    for (const key of list) {
      for (const id of key.StandardIdentifiers ?? []) {
        if (!STANDARD_IDENTIFIERS.has(id))
          throw bad(`Key ${name} has an invalid StandardIdentifier ${id}.`);
      }
      for (const field of key.FieldNames ?? []) {
        if (!fields[field])
          throw bad(`Key ${name} refers to field ${field}, which is not in Fields.`);
      }
    }
  }
  return keys;
}

function putProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const name = segments(req)[3] ?? "";
  checkObjectTypeName(name);
  const body = bodyOf(req);
  const description = requiredString(body, "Description");
  lengthBetween(description, "description", 1, 10_000);
  const fields = parseFields(body.Fields);
  const keys = parseKeys(body.Keys, fields);
  const templateId = optionalString(body, "TemplateId");
  if (!templateId && Object.keys(fields).length === 0) {
    throw bad("Either TemplateId or Fields must be provided.");
  }
  const encryptionKey = optionalString(body, "EncryptionKey") || undefined;
  if (encryptionKey) checkEncryptionKey(ctx.state, encryptionKey, req.region);
  const expiration =
    body.ExpirationDays === undefined
      ? undefined
      : expirationDays(body.ExpirationDays, "expirationDays");
  const now = ctx.now();
  const previous = domain.objectTypes[name];
  const type: ProfileObjectType = {
    name,
    description,
    ...(templateId ? { templateId } : {}),
    ...(expiration ? { expirationDays: expiration } : {}),
    ...(encryptionKey ? { encryptionKey } : {}),
    allowProfileCreation: body.AllowProfileCreation !== false,
    ...(typeof body.SourceLastUpdatedTimestampFormat === "string"
      ? { sourceLastUpdatedTimestampFormat: body.SourceLastUpdatedTimestampFormat }
      : {}),
    ...(typeof body.MaxProfileObjectCount === "number"
      ? { maxProfileObjectCount: body.MaxProfileObjectCount }
      : {}),
    fields,
    keys,
    tags: stringMap(body.Tags, "Tags"),
    createdAt: previous?.createdAt ?? now,
    lastUpdatedAt: now,
  };
  domain.objectTypes[name] = type;
  return json(objectTypeBody(type));
}

function objectTypeOf(req: AwsRequest, domain: Domain): ProfileObjectType {
  const name = segments(req)[3] ?? "";
  checkObjectTypeName(name);
  const type = domain.objectTypes[name];
  if (!type) throw notFound(`Object type ${name} does not exist in domain ${domain.name}.`);
  return type;
}

function getProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  return json(objectTypeBody(objectTypeOf(req, domainOf(req, ctx.state))));
}

function deleteProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const type = objectTypeOf(req, domain);
  delete domain.objectTypes[type.name];
  for (const [key, object] of Object.entries(domain.objects)) {
    if (object.objectTypeName === type.name) delete domain.objects[key];
  }
  return json({ Message: `Object type ${type.name} was deleted.` });
}

function listProfileObjectTypes(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const all = Object.values(domain.objectTypes).sort((a, b) => a.name.localeCompare(b.name));
  const { page, next } = paginate(req, all);
  return json({
    Items: page.map((t) => ({
      ObjectTypeName: t.name,
      Description: t.description,
      CreatedAt: seconds(t.createdAt),
      LastUpdatedAt: seconds(t.lastUpdatedAt),
      Tags: t.tags,
    })),
    ...(next ? { NextToken: next } : {}),
  });
}

// ---------------------------------------------------------------------------------------
// Objects and profiles

/** The value at a field's `_source.a.b` path in the object, as a string, if present. */
function fieldValue(
  object: Record<string, unknown>,
  fieldName: string,
  fields: Record<string, ObjectTypeField>,
): string | undefined {
  const source = fields[fieldName]?.Source ?? `_source.${fieldName}`;
  let value: unknown = object;
  for (const part of source.replace(/^_source\./, "").split(".")) {
    value =
      value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

interface ObjectKeys {
  /** Key name → value, for every key of the type the object has a value for. */
  values: Record<string, string>;
  /** Keys that find the profile: PROFILE, LOOKUP_ONLY and NEW_ONLY ones. */
  profileKeys: string[];
  /** Keys kept on the profile afterwards: LOOKUP_ONLY ones only search. */
  storedKeys: string[];
  uniqueKeys: string[];
  missingUnique: boolean;
}

function keysOf(type: ProfileObjectType, object: Record<string, unknown>): ObjectKeys {
  const out: ObjectKeys = {
    values: {},
    profileKeys: [],
    storedKeys: [],
    uniqueKeys: [],
    missingUnique: false,
  };
  for (const [keyName, list] of Object.entries(type.keys)) {
    for (const key of list) {
      const parts = (key.FieldNames ?? []).map((f) => fieldValue(object, f, type.fields));
      const complete = parts.length > 0 && parts.every((p) => p !== undefined);
      const ids = key.StandardIdentifiers ?? [];
      if (ids.includes("UNIQUE") && !complete) out.missingUnique = true;
      if (!complete) continue;
      out.values[keyName] = parts.join("_");
      if (ids.includes("UNIQUE")) out.uniqueKeys.push(keyName);
      if (ids.includes("PROFILE") || ids.includes("LOOKUP_ONLY") || ids.includes("NEW_ONLY")) {
        out.profileKeys.push(keyName);
      }
      if (ids.includes("PROFILE") || ids.includes("NEW_ONLY")) out.storedKeys.push(keyName);
    }
  }
  return out;
}

/**
 * The ProfileObjectUniqueKey: stable for an object's UNIQUE key so that putting the same
 * object again answers the same key (and replaces the stored object), random otherwise.
 */
function uniqueKeyOf(
  domain: Domain,
  type: ProfileObjectType | undefined,
  objectJson: string,
): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(objectJson);
  } catch {
    parsed = undefined;
  }
  if (type && parsed && typeof parsed === "object") {
    const keys = keysOf(type, parsed as Record<string, unknown>);
    if (!keys.missingUnique && keys.uniqueKeys.length > 0) {
      const material = [
        domain.name,
        type.name,
        ...keys.uniqueKeys.map((k) => `${k}=${keys.values[k]}`),
      ];
      return createHash("sha256").update(material.join("\u0000")).digest("base64url").slice(0, 32);
    }
  }
  return randomUUID().replaceAll("-", "");
}

/** Where `_profile.X` / `_profile.Attributes.X` targets put an object's values on its profile. */
function applyTargets(
  profile: Profile,
  type: ProfileObjectType,
  object: Record<string, unknown>,
): void {
  for (const [fieldName, field] of Object.entries(type.fields)) {
    const target = field.Target;
    if (!target?.startsWith("_profile.")) continue;
    const value = fieldValue(object, fieldName, type.fields);
    if (value === undefined) continue;
    const path = target.slice("_profile.".length);
    if (path.startsWith("Attributes."))
      profile.attributes[path.slice("Attributes.".length)] = value;
    else profile.fields[path] = value;
  }
}

type Verdict = { ok: true; profileId: string } | { ok: false; error: string };

/**
 * Store an object and attach it to its profile, or say why it cannot be. `arrivedAt` is
 * when PutProfileObject was called: the per-profile rate counts arrivals, not processing.
 */
function ingest(
  state: EmulatorState,
  options: { profileObjectsPerSecond: number; maxObjectBytes: number } | undefined,
  domain: Domain,
  type: ProfileObjectType,
  objectJson: string,
  uniqueKey: string,
  arrivedAt: number,
): Verdict {
  if (options && Buffer.byteLength(objectJson, "utf8") > options.maxObjectBytes) {
    return { ok: false, error: INGESTION_ERRORS.tooLarge(options.maxObjectBytes) };
  }
  for (const ref of [type.encryptionKey, domain.defaultEncryptionKey]) {
    if (ref && !usableKey(state, ref, domain.region)) {
      return { ok: false, error: INGESTION_ERRORS.invalidKmsKey };
    }
  }
  const object = JSON.parse(objectJson) as Record<string, unknown>;
  const keys = keysOf(type, object);
  if (keys.missingUnique || keys.profileKeys.length === 0) {
    return { ok: false, error: INGESTION_ERRORS.missingKey };
  }
  const matches = new Set<string>();
  for (const keyName of keys.profileKeys) {
    const value = keys.values[keyName] as string;
    for (const profile of Object.values(domain.profiles)) {
      if (profile.keys[keyName]?.includes(value)) matches.add(profile.profileId);
    }
  }
  if (matches.size > 1) return { ok: false, error: INGESTION_ERRORS.multipleProfiles };

  let profile = domain.profiles[[...matches][0] ?? ""];
  if (profile && options) {
    const window = recentArrivals(state, profile.profileId, arrivedAt);
    if (window.length >= options.profileObjectsPerSecond) {
      return { ok: false, error: INGESTION_ERRORS.throttled };
    }
    window.push(arrivedAt);
  }
  if (!profile) {
    if (!type.allowProfileCreation) return { ok: false, error: INGESTION_ERRORS.missingKey };
    profile = {
      profileId: randomUUID().replaceAll("-", ""),
      keys: {},
      fields: {},
      attributes: {},
      createdAt: arrivedAt,
    };
    domain.profiles[profile.profileId] = profile;
    if (options) recentArrivals(state, profile.profileId, arrivedAt).push(arrivedAt);
  }
  for (const keyName of keys.storedKeys) {
    const value = keys.values[keyName] as string;
    const list = profile.keys[keyName] ?? [];
    if (!list.includes(value)) list.push(value);
    profile.keys[keyName] = list;
  }
  applyTargets(profile, type, object);
  domain.objects[uniqueKey] = {
    uniqueKey,
    objectTypeName: type.name,
    object: objectJson,
    profileId: profile.profileId,
    keys: keys.values,
    ingestedAt: arrivedAt,
  };
  return { ok: true, profileId: profile.profileId };
}

function writeDeadLetter(
  state: EmulatorState,
  domain: Domain,
  objectTypeName: string,
  objectJson: string,
  error: string,
  now: number,
): void {
  if (!domain.deadLetterQueueUrl) return;
  const queue = findQueueByUrl(state, domain.deadLetterQueueUrl);
  // A queue deleted, or its policy or key withdrawn since CreateDomain: AWS's write fails
  // and the object is lost, with nothing returned to the caller.
  if (
    !queue ||
    deadLetterProblem(state, domain.deadLetterQueueUrl, domain.region, domain.name) ||
    !queueKeyUsable(state, queue, domain)
  ) {
    domain.droppedDeadLetters += 1;
    return;
  }
  const body = JSON.stringify({
    domainName: domain.name,
    objectTypeName,
    errorMessage: error,
    object: objectJson,
    timestamp: new Date(now).toISOString(),
  });
  enqueueMessage(
    queue,
    {
      body,
      messageAttributes: {
        ErrorMessage: { DataType: "String", StringValue: error },
        ObjectTypeName: { DataType: "String", StringValue: objectTypeName },
      },
      senderId: "AROAPROFILESERVICE:profile.amazonaws.com",
    },
    now,
  );
}

// Ingestion runs outside any request: its queue and per-profile arrival windows live beside
// the state, not in it, so saved state stays plain data.
interface Job {
  ctx: EmulatorContext;
  region: string;
  domainName: string;
  objectTypeName: string;
  objectJson: string;
  uniqueKey: string;
  arrivedAt: number;
}

interface Runtime {
  jobs: Job[];
  timer?: NodeJS.Timeout;
  arrivals: Map<string, number[]>;
  idle: (() => void)[];
}

const runtimes = new WeakMap<EmulatorState, Runtime>();

function runtimeOf(state: EmulatorState): Runtime {
  let rt = runtimes.get(state);
  if (!rt) {
    rt = { jobs: [], arrivals: new Map(), idle: [] };
    runtimes.set(state, rt);
  }
  return rt;
}

/** Arrivals accepted for a profile in the second before `now` (the list is live). */
function recentArrivals(state: EmulatorState, profileId: string, now: number): number[] {
  const { arrivals } = runtimeOf(state);
  const kept = (arrivals.get(profileId) ?? []).filter((t) => now - t < 1000);
  arrivals.set(profileId, kept);
  return kept;
}

const INGESTION_DELAY_MS = 5;

function drain(state: EmulatorState): void {
  const rt = runtimeOf(state);
  rt.timer = undefined;
  for (const job of rt.jobs.splice(0)) {
    const domain = findDomain(state, job.domainName, job.region);
    const type = domain?.objectTypes[job.objectTypeName];
    if (!domain || !type) continue;
    const verdict = ingest(
      state,
      job.ctx.options,
      domain,
      type,
      job.objectJson,
      job.uniqueKey,
      job.arrivedAt,
    );
    if (!verdict.ok) {
      writeDeadLetter(
        state,
        domain,
        job.objectTypeName,
        job.objectJson,
        verdict.error,
        job.ctx.now(),
      );
    }
  }
  for (const resolve of rt.idle.splice(0)) resolve();
}

/** Resolves once every object put so far has been ingested or dead-lettered: for tests. */
export function ingestionIdle(state: EmulatorState): Promise<void> {
  const rt = runtimeOf(state);
  if (rt.jobs.length === 0 && !rt.timer) return Promise.resolve();
  return new Promise((resolve) => rt.idle.push(resolve));
}

function putProfileObject(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const objectTypeName = requiredString(body, "ObjectTypeName");
  checkObjectTypeName(objectTypeName);
  const objectJson = requiredString(body, "Object");
  lengthBetween(objectJson, "object", 1, MAX_OBJECT_CHARS);
  let parsed: unknown;
  try {
    parsed = JSON.parse(objectJson);
  } catch {
    throw bad("Object is not valid JSON: only JSON objects can be ingested.");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw bad("Object must be a JSON object.");
  }
  const type = domain.objectTypes[objectTypeName];
  if (!type)
    throw notFound(`Object type ${objectTypeName} does not exist in domain ${domain.name}.`);
  const uniqueKey = uniqueKeyOf(domain, type, objectJson);
  const rt = runtimeOf(ctx.state);
  rt.jobs.push({
    ctx,
    region: req.region,
    domainName: domain.name,
    objectTypeName,
    objectJson,
    uniqueKey,
    arrivedAt: ctx.now(),
  });
  if (!rt.timer) {
    rt.timer = setTimeout(() => drain(ctx.state), INGESTION_DELAY_MS);
    rt.timer.unref();
  }
  return json({ ProfileObjectUniqueKey: uniqueKey });
}

function listProfileObjects(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const objectTypeName = requiredString(body, "ObjectTypeName");
  const profileId = requiredString(body, "ProfileId");
  if (!domain.objectTypes[objectTypeName] && !CONNECT_OBJECT_TYPES.has(objectTypeName)) {
    throw notFound(`Object type ${objectTypeName} does not exist in domain ${domain.name}.`);
  }
  if (!domain.profiles[profileId]) throw notFound(`Profile ${profileId} does not exist.`);
  const filter = body.ObjectFilter as { KeyName?: string; Values?: string[] } | undefined;
  const all = Object.values(domain.objects)
    .filter((o) => o.profileId === profileId && o.objectTypeName === objectTypeName)
    .filter(
      (o) => !filter?.KeyName || (filter.Values ?? []).includes(o.keys[filter.KeyName] ?? "\u0000"),
    )
    .sort((a, b) => a.ingestedAt - b.ingestedAt);
  const { page, next } = paginate(req, all);
  return json({
    Items: page.map((o) => ({
      ObjectTypeName: o.objectTypeName,
      ProfileObjectUniqueKey: o.uniqueKey,
      Object: o.object,
    })),
    ...(next ? { NextToken: next } : {}),
  });
}

function profileBody(p: Profile) {
  return { ProfileId: p.profileId, ...p.fields, Attributes: p.attributes };
}

function searchProfiles(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const keyName = requiredString(body, "KeyName");
  const values = body.Values;
  if (!Array.isArray(values) || values.length === 0) {
    throw bad("1 validation error detected: Values must contain at least one value.");
  }
  const extra =
    (body.AdditionalSearchKeys as { KeyName: string; Values: string[] }[] | undefined) ?? [];
  const searches = [{ KeyName: keyName, Values: values as string[] }, ...extra];
  const hit = (p: Profile, s: { KeyName: string; Values: string[] }) =>
    s.KeyName === "_profileId"
      ? s.Values.includes(p.profileId)
      : (p.keys[s.KeyName] ?? []).some((v) => s.Values.includes(v));
  const or = body.LogicalOperator === "OR";
  const all = Object.values(domain.profiles)
    .filter((p) => (or ? searches.some((s) => hit(p, s)) : searches.every((s) => hit(p, s))))
    .sort((a, b) => a.createdAt - b.createdAt);
  const { page, next } = paginate(req, all);
  return json({ Items: page.map(profileBody), ...(next ? { NextToken: next } : {}) });
}

// ---------------------------------------------------------------------------------------
// Routing

type Handler = (req: AwsRequest, ctx: EmulatorContext) => AwsResponse;

const SEGMENT = "[^/]+";
const route = (method: string, path: string, operation: string, handler: Handler) => ({
  method,
  pattern: new RegExp(`^${path.replace(/\{\w+\}/g, SEGMENT)}/?$`),
  operation,
  handler,
});

const ROUTES = [
  route("GET", "/domains", "ListDomains", listDomains),
  route("POST", "/domains/{DomainName}", "CreateDomain", createDomain),
  route("GET", "/domains/{DomainName}", "GetDomain", getDomain),
  route("PUT", "/domains/{DomainName}", "UpdateDomain", updateDomain),
  route("DELETE", "/domains/{DomainName}", "DeleteDomain", deleteDomain),
  route("PUT", "/domains/{DomainName}/integrations", "PutIntegration", putIntegration),
  route("POST", "/domains/{DomainName}/integrations", "GetIntegration", getIntegration),
  route("GET", "/domains/{DomainName}/integrations", "ListIntegrations", listIntegrations),
  route(
    "POST",
    "/domains/{DomainName}/integrations/delete",
    "DeleteIntegration",
    deleteIntegration,
  ),
  route("POST", "/integrations", "ListAccountIntegrations", listAccountIntegrations),
  route(
    "GET",
    "/domains/{DomainName}/object-types",
    "ListProfileObjectTypes",
    listProfileObjectTypes,
  ),
  route(
    "PUT",
    "/domains/{DomainName}/object-types/{ObjectTypeName}",
    "PutProfileObjectType",
    putProfileObjectType,
  ),
  route(
    "GET",
    "/domains/{DomainName}/object-types/{ObjectTypeName}",
    "GetProfileObjectType",
    getProfileObjectType,
  ),
  route(
    "DELETE",
    "/domains/{DomainName}/object-types/{ObjectTypeName}",
    "DeleteProfileObjectType",
    deleteProfileObjectType,
  ),
  route("PUT", "/domains/{DomainName}/profiles/objects", "PutProfileObject", putProfileObject),
  route("POST", "/domains/{DomainName}/profiles/objects", "ListProfileObjects", listProfileObjects),
  route("POST", "/domains/{DomainName}/profiles/search", "SearchProfiles", searchProfiles),
];

export const profiles: ServiceModule = {
  name: "profile",
  operationOf: (req) =>
    ROUTES.find((r) => r.method === req.method && r.pattern.test(req.path))?.operation,
  handle(operation, req, ctx) {
    const found = ROUTES.find((r) => r.operation === operation);
    if (!found) throw bad(`Unknown operation ${operation}.`);
    return found.handler(req, ctx);
  },
  errorResponse: (err) => ({
    status: err.status,
    headers: { "content-type": "application/json", "x-amzn-ErrorType": err.code },
    body: JSON.stringify({ Message: err.message }),
  }),
  throttlingError: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
};

// ---------------------------------------------------------------------------------------
// Seed

/** The `CRM-Contact` object type: one object per account number, which also finds the profile. */
export const CRM_CONTACT_TYPE: {
  Description: string;
  AllowProfileCreation: boolean;
  Fields: Record<string, ObjectTypeField>;
  Keys: Record<string, ObjectTypeKey[]>;
} = {
  Description: "Contacts exported from the legacy CRM",
  AllowProfileCreation: true,
  Fields: {
    AccountNumber: {
      Source: "_source.AccountNumber",
      Target: "_profile.AccountNumber",
      ContentType: "STRING",
    },
    FirstName: { Source: "_source.FirstName", Target: "_profile.FirstName", ContentType: "NAME" },
    LastName: { Source: "_source.LastName", Target: "_profile.LastName", ContentType: "NAME" },
    Email: {
      Source: "_source.Email",
      Target: "_profile.EmailAddress",
      ContentType: "EMAIL_ADDRESS",
    },
    Phone: { Source: "_source.Phone", Target: "_profile.PhoneNumber", ContentType: "PHONE_NUMBER" },
  },
  Keys: {
    _account: [{ StandardIdentifiers: ["PROFILE", "UNIQUE"], FieldNames: ["AccountNumber"] }],
    _email: [{ StandardIdentifiers: ["PROFILE"], FieldNames: ["Email"] }],
  },
};

const SEED_CONTACTS = [
  {
    AccountNumber: "1001",
    FirstName: "Ana",
    LastName: "Silva",
    Email: "ana.silva@example.com",
    Phone: "+15555550101",
  },
  {
    AccountNumber: "1002",
    FirstName: "Ben",
    LastName: "Okafor",
    Email: "ben.okafor@example.com",
    Phone: "+15555550102",
  },
  {
    AccountNumber: "1003",
    FirstName: "Chen",
    LastName: "Wei",
    Email: "chen.wei@example.com",
    Phone: "+15555550103",
  },
];

/**
 * A domain that predates the bot: `amazon-connect-legacy`, linked to the second seeded
 * Connect instance (`legacy-support`), no key and no DLQ, with a few CRM contacts.
 */
export function seedProfiles(
  state: EmulatorState,
  { region }: { region: string; baseUrl: string },
): void {
  const name = "amazon-connect-legacy";
  const created = Date.parse("2021-06-01T10:00:00Z");
  const legacy = loadConnectSeed()[1];
  if (!legacy) throw new Error("seed/connect-instances.json must list at least two instances.");
  const type: ProfileObjectType = {
    name: "CRM-Contact",
    description: CRM_CONTACT_TYPE.Description,
    allowProfileCreation: true,
    fields: structuredClone(CRM_CONTACT_TYPE.Fields),
    keys: structuredClone(CRM_CONTACT_TYPE.Keys),
    tags: {},
    createdAt: created,
    lastUpdatedAt: created,
  };
  const domain: Domain = {
    name,
    region,
    arn: domainArn(region, name),
    defaultExpirationDays: 366,
    tags: {},
    createdAt: created,
    lastUpdatedAt: created,
    integrations: [
      {
        uri: instanceArn(region, legacy.id),
        objectTypeName: "CTR",
        tags: {},
        createdAt: created,
        lastUpdatedAt: created,
      },
    ],
    objectTypes: { [type.name]: type },
    profiles: {},
    objects: {},
    droppedDeadLetters: 0,
  };
  profileState(state).domains[`${region}/${name}`] = domain;
  SEED_CONTACTS.forEach((contact, i) => {
    const objectJson = JSON.stringify(contact);
    // No options: seeding bypasses the size and rate checks that only live traffic meets.
    ingest(
      state,
      undefined,
      domain,
      type,
      objectJson,
      uniqueKeyOf(domain, type, objectJson),
      created + i,
    );
  });
}
