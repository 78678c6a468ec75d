/**
 * Customer Profiles tagging: TagResource, UntagResource and ListTagsForResource on a domain's
 * ARN (`/tags/{resourceArn}`, the ARN percent-encoded as one path label). The tags are the
 * domain's own, so GetDomain and ListDomains show what these calls change. Limits as in
 * AWS's model: keys 1–128 characters of `[a-zA-Z+-=._:/]` not starting with `aws:`, values
 * at most 256 characters, at most 50 tags on a resource and 1–50 per call. Only domains
 * are taggable here; any other profile ARN is not found.
 */
import type { AwsRequest, AwsResponse, EmulatorContext } from "../types.js";
import { type Domain, profileState } from "./profiles-state.js";
import { bad, bodyOf, json, notFound, segments } from "./profiles-support.js";

/** `+-=` is a range in AWS's pattern: it takes digits, `,`, `-`, `.`, `/`, `:`, `;`, `<` too. */
const TAG_KEY = /^(?!aws:)[a-zA-Z+-=._:/]+$/;
const TAG_ARN = /^arn:[a-z0-9]{1,10}:profile/;
const MAX_TAGS = 50;

const invalid = (value: string, member: string, constraint: string) =>
  bad(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );

function checkTagKey(key: string, member: string): void {
  if (key.length < 1 || key.length > 128) {
    throw invalid(key, member, "Member must have length between 1 and 128");
  }
  if (!TAG_KEY.test(key)) {
    throw invalid(
      key,
      member,
      "Member must satisfy regular expression pattern: ^(?!aws:)[a-zA-Z+-=._:/]+$",
    );
  }
}

/**
 * A `Tags`/`tags` map as AWS checks it; `required` when the call must have one. A map that
 * is present needs 1 to 50 tags either way (AWS's TagMap), so `{}` is refused.
 */
export function checkTags(
  value: unknown,
  member: string,
  required: boolean,
): Record<string, string> {
  if (value === undefined || value === null) {
    if (required) {
      throw bad(
        `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return {};
  }
  if (typeof value !== "object" || Array.isArray(value)) throw bad(`${member} must be a map.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length < 1 || entries.length > MAX_TAGS) {
    throw invalid(
      `${entries.length} tags`,
      member,
      `Member must have length between 1 and ${MAX_TAGS}`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [key, v] of entries) {
    checkTagKey(key, `${member}.key`);
    if (typeof v !== "string") throw bad(`${member} values must be strings.`);
    if (v.length > 256) {
      throw invalid(v, `${member}.${key}`, "Member must have length less than or equal to 256");
    }
    tags[key] = v;
  }
  return tags;
}

/** The domain the path's ARN names. */
function taggedDomain(req: AwsRequest, ctx: EmulatorContext): Domain {
  const arn = segments(req)[1] ?? "";
  if (arn.length > 256 || !TAG_ARN.test(arn)) {
    throw invalid(
      arn,
      "resourceArn",
      "Member must satisfy regular expression pattern: ^arn:[a-z0-9]{1,10}:profile",
    );
  }
  const domain = Object.values(profileState(ctx.state).domains).find((d) => d.arn === arn);
  if (!domain) throw notFound(`Resource ${arn} does not exist.`);
  return domain;
}

export function tagResource(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = taggedDomain(req, ctx);
  const tags = checkTags(bodyOf(req).tags, "tags", true);
  const merged = { ...domain.tags, ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw bad(
      `A resource can have at most ${MAX_TAGS} tags; this call would leave it with ${Object.keys(merged).length}.`,
    );
  }
  domain.tags = merged;
  return json({});
}

export function untagResource(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = taggedDomain(req, ctx);
  const keys = req.query.getAll("tagKeys");
  if (keys.length < 1 || keys.length > MAX_TAGS) {
    throw invalid(
      `${keys.length} keys`,
      "tagKeys",
      `Member must have length between 1 and ${MAX_TAGS}`,
    );
  }
  for (const key of keys) checkTagKey(key, "tagKeys.member");
  for (const key of keys) delete domain.tags[key];
  return json({});
}

/** An untagged domain's answer has no `tags`: AWS's model gives the map 1 to 50 entries. */
export function listTagsForResource(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const tags = { ...taggedDomain(req, ctx).tags };
  return json(Object.keys(tags).length > 0 ? { tags } : {});
}
