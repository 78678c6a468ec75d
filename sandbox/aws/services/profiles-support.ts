/**
 * What the Customer Profiles handlers share: REST-JSON body and path readers, the
 * validation messages AWS words them with, pagination, and the domain a path names.
 */
import type { EmulatorState } from "../state.js";
import { AwsError, type AwsRequest, type AwsResponse } from "../types.js";
import { type Domain, findDomain } from "./profiles-state.js";

const DOMAIN_NAME = /^[a-zA-Z0-9_-]+$/;
const OBJECT_TYPE_NAME = /^[a-zA-Z_][a-zA-Z_0-9-]*$/;
/** Object types Connect writes itself: an integration may name them without defining them. */
export const CONNECT_OBJECT_TYPES = new Set(["CTR"]);

export const bad = (message: string) => new AwsError("BadRequestException", message, 400);
export const notFound = (message: string) =>
  new AwsError("ResourceNotFoundException", message, 404);

export const json = (body: unknown): AwsResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export const seconds = (ms: number) => ms / 1000;

/** AWS's model allows 1 to 50 tags in a `Tags` map, so an untagged resource has none at all. */
export const tagsMember = (tags: Record<string, string>): { Tags?: Record<string, string> } =>
  Object.keys(tags).length > 0 ? { Tags: tags } : {};

export function bodyOf(req: AwsRequest): Record<string, unknown> {
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
export const segments = (req: AwsRequest) =>
  req.path
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));

export function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad(`${member} must be a string.`);
  return value;
}

export function requiredString(body: Record<string, unknown>, member: string): string {
  const value = optionalString(body, member);
  if (value === undefined) {
    throw bad(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function stringMap(value: unknown, member: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw bad(`${member} must be a map.`);
  for (const v of Object.values(value)) {
    if (typeof v !== "string") throw bad(`${member} values must be strings.`);
  }
  return value as Record<string, string>;
}

export function lengthBetween(value: string, member: string, min: number, max: number): void {
  if (value.length < min || value.length > max) {
    throw bad(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between ${min} and ${max}`,
    );
  }
}

export function checkDomainName(name: string): void {
  lengthBetween(name, "domainName", 1, 64);
  if (!DOMAIN_NAME.test(name)) {
    throw bad(
      `1 validation error detected: Value '${name}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$`,
    );
  }
}

export function checkObjectTypeName(name: string): void {
  lengthBetween(name, "objectTypeName", 1, 255);
  if (!OBJECT_TYPE_NAME.test(name)) {
    throw bad(
      `1 validation error detected: Value '${name}' at 'objectTypeName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z_][a-zA-Z_0-9-]*$`,
    );
  }
}

export function expirationDays(value: unknown, member: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1098) {
    throw bad(
      `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have value between 1 and 1098`,
    );
  }
  return value;
}

/** The most a List operation returns per page, and its page size when none is asked for. */
const MAX_RESULTS = 100;

/** A page of `items` from the `next-token` / `max-results` query members. */
function paginate<T>(req: AwsRequest, items: T[]): { page: T[]; next?: string } {
  const rawMax = req.query.get("max-results");
  const max = rawMax === null ? MAX_RESULTS : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw bad(
      `1 validation error detected: Value '${rawMax}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${MAX_RESULTS}`,
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

/** A List operation's answer: one page of `items` as `Items`, and `NextToken` while more remain. */
export function listResponse<T>(
  req: AwsRequest,
  items: T[],
  toItem: (item: T) => unknown = (item) => item,
): AwsResponse {
  const { page, next } = paginate(req, items);
  return json({ Items: page.map(toItem), ...(next ? { NextToken: next } : {}) });
}

export function domainOf(req: AwsRequest, state: EmulatorState): Domain {
  const name = segments(req)[1] ?? "";
  checkDomainName(name);
  const domain = findDomain(state, name, req.region);
  if (!domain) throw notFound(`Domain ${name} does not exist.`);
  return domain;
}
