/**
 * Customer Profiles object types, and the object and profile operations that use them:
 * PutProfileObject validates and queues (profiles-ingestion.ts does the rest later),
 * ListProfileObjects and SearchProfiles read what ingestion stored.
 */
import type { AwsRequest, AwsResponse, EmulatorContext } from "../types.js";
import { scheduleIngestion, uniqueKeyOf } from "./profiles-ingestion.js";
import { checkEncryptionKey } from "./profiles-policy.js";
import type {
  Domain,
  ObjectTypeField,
  ObjectTypeKey,
  Profile,
  ProfileObjectType,
} from "./profiles-state.js";
import {
  bad,
  bodyOf,
  CONNECT_OBJECT_TYPES,
  checkObjectTypeName,
  domainOf,
  expirationDays,
  json,
  lengthBetween,
  listResponse,
  notFound,
  optionalString,
  requiredString,
  seconds,
  segments,
  stringMap,
  tagsMember,
} from "./profiles-support.js";

const MAX_OBJECT_CHARS = 256_000;
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
    ...tagsMember(t.tags),
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

export function putProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
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

export function getProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  return json(objectTypeBody(objectTypeOf(req, domainOf(req, ctx.state))));
}

export function deleteProfileObjectType(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const type = objectTypeOf(req, domain);
  delete domain.objectTypes[type.name];
  for (const [key, object] of Object.entries(domain.objects)) {
    if (object.objectTypeName === type.name) delete domain.objects[key];
  }
  return json({ Message: `Object type ${type.name} was deleted.` });
}

export function listProfileObjectTypes(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const all = Object.values(domain.objectTypes).sort((a, b) => a.name.localeCompare(b.name));
  return listResponse(req, all, (t) => ({
    ObjectTypeName: t.name,
    Description: t.description,
    CreatedAt: seconds(t.createdAt),
    LastUpdatedAt: seconds(t.lastUpdatedAt),
    ...tagsMember(t.tags),
  }));
}

// ---------------------------------------------------------------------------------------
// Objects and profiles

export function putProfileObject(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
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
  scheduleIngestion(ctx, {
    region: req.region,
    domainName: domain.name,
    objectTypeName,
    objectJson,
    uniqueKey,
    arrivedAt: ctx.now(),
  });
  return json({ ProfileObjectUniqueKey: uniqueKey });
}

export function listProfileObjects(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
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
  return listResponse(req, all, (o) => ({
    ObjectTypeName: o.objectTypeName,
    ProfileObjectUniqueKey: o.uniqueKey,
    Object: o.object,
  }));
}

function profileBody(p: Profile) {
  return { ProfileId: p.profileId, ...p.fields, Attributes: p.attributes };
}

export function searchProfiles(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
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
  return listResponse(req, all, profileBody);
}
