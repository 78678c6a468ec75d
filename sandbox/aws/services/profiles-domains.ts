/** Customer Profiles domain operations: create, get (with stats), list, update and delete. */
import type { AwsRequest, AwsResponse, EmulatorContext } from "../types.js";
import { checkEncryptionKey, checkPropagated, deadLetterProblem } from "./profiles-policy.js";
import { type Domain, domainArn, profileState } from "./profiles-state.js";
import {
  bad,
  bodyOf,
  checkDomainName,
  domainOf,
  expirationDays,
  json,
  listResponse,
  optionalString,
  seconds,
  segments,
  tagsMember,
} from "./profiles-support.js";
import { checkTags } from "./profiles-tags.js";

const MAX_DOMAINS_PER_REGION = 100;

function domainBody(d: Domain) {
  return {
    DomainName: d.name,
    DefaultExpirationDays: d.defaultExpirationDays,
    ...(d.defaultEncryptionKey ? { DefaultEncryptionKey: d.defaultEncryptionKey } : {}),
    ...(d.deadLetterQueueUrl ? { DeadLetterQueueUrl: d.deadLetterQueueUrl } : {}),
    ...(d.matching ? { Matching: d.matching } : {}),
    ...(d.dataStore !== undefined ? { DataStore: { Enabled: d.dataStore } } : {}),
    CreatedAt: seconds(d.createdAt),
    LastUpdatedAt: seconds(d.lastUpdatedAt),
    ...tagsMember(d.tags),
  };
}

/** `DataStore: {Enabled}` (AWS's DataStoreRequest); undefined when the request has none. */
function dataStoreEnabled(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  const enabled = typeof value === "object" ? (value as { Enabled?: unknown }).Enabled : value;
  if (Array.isArray(value) || (enabled !== undefined && typeof enabled !== "boolean")) {
    throw bad("DataStore must be an object whose Enabled is a boolean.");
  }
  return enabled === true;
}

export function createDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const name = segments(req)[1] ?? "";
  checkDomainName(name);
  const body = bodyOf(req);
  const days = expirationDays(body.DefaultExpirationDays, "defaultExpirationDays");
  const key = optionalString(body, "DefaultEncryptionKey") || undefined;
  const dlq = optionalString(body, "DeadLetterQueueUrl") || undefined;
  const tags = checkTags(body.Tags, "Tags", false);
  const dataStore = dataStoreEnabled(body.DataStore);
  const { domains } = profileState(ctx.state);
  if (domains[`${req.region}/${name}`]) throw bad(`Domain ${name} already exists.`);
  const inRegion = Object.values(domains).filter((d) => d.region === req.region).length;
  if (inRegion >= MAX_DOMAINS_PER_REGION) {
    throw bad(
      `You have reached the maximum number of domains (${MAX_DOMAINS_PER_REGION}) in ${req.region}.`,
    );
  }
  checkPropagated(ctx, key, dlq, req.region);
  if (key) checkEncryptionKey(ctx.state, key, req.region);
  if (dlq) {
    const problem = deadLetterProblem(ctx.state, dlq, req.region, name);
    if (problem) throw bad(problem);
  }
  const now = ctx.now();
  const domain: Domain = {
    name,
    region: req.region,
    arn: domainArn(req.region, name, req.accountId),
    defaultExpirationDays: days,
    ...(key ? { defaultEncryptionKey: key } : {}),
    ...(dlq ? { deadLetterQueueUrl: dlq } : {}),
    ...(body.Matching ? { matching: body.Matching } : {}),
    ...(dataStore !== undefined ? { dataStore } : {}),
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
  ctx.propagation.changed("domain", domain.arn);
  return json(domainBody(domain));
}

export function getDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
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

export function listDomains(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const all = Object.values(profileState(ctx.state).domains)
    .filter((d) => d.region === req.region)
    .sort((a, b) => a.name.localeCompare(b.name));
  return listResponse(req, all, (d) => ({
    DomainName: d.name,
    CreatedAt: seconds(d.createdAt),
    LastUpdatedAt: seconds(d.lastUpdatedAt),
    ...tagsMember(d.tags),
  }));
}

export function updateDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const body = bodyOf(req);
  const days =
    body.DefaultExpirationDays === undefined || body.DefaultExpirationDays === null
      ? undefined
      : expirationDays(body.DefaultExpirationDays, "defaultExpirationDays");
  const key = optionalString(body, "DefaultEncryptionKey");
  const dlq = optionalString(body, "DeadLetterQueueUrl");
  const tags = checkTags(body.Tags, "Tags", false);
  const dataStore = dataStoreEnabled(body.DataStore);
  // Validate everything before changing anything: a failed update leaves the domain as it was.
  checkPropagated(ctx, key, dlq, req.region);
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
  if (dataStore !== undefined) domain.dataStore = dataStore;
  Object.assign(domain.tags, tags);
  domain.lastUpdatedAt = ctx.now();
  return json(domainBody(domain));
}

export function deleteDomain(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  delete profileState(ctx.state).domains[`${domain.region}/${domain.name}`];
  return json({ Message: `Domain ${domain.name} was deleted.` });
}
