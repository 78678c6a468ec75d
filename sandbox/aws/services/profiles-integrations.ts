/**
 * Customer Profiles integrations: which source (an Amazon Connect instance, for the bot)
 * feeds a domain, and under which object types. Linking a Connect instance is checked
 * against the Connect emulator's state. A hidden integration (state only: AWS's model says
 * nothing of what hides one) is listed only with IncludeHidden, yet still links its
 * instance, so PutIntegration refuses a second domain for it and GetIntegration finds it.
 */
import { AwsError, type AwsRequest, type AwsResponse, type EmulatorContext } from "../types.js";
import { findInstance } from "./connect.js";
import { type Domain, type Integration, profileState } from "./profiles-state.js";
import {
  bad,
  bodyOf,
  CONNECT_OBJECT_TYPES,
  domainOf,
  json,
  lengthBetween,
  listResponse,
  notFound,
  optionalString,
  requiredString,
  seconds,
  stringMap,
  tagsMember,
} from "./profiles-support.js";

function integrationBody(domain: Domain, i: Integration) {
  return {
    DomainName: domain.name,
    Uri: i.uri,
    CreatedAt: seconds(i.createdAt),
    LastUpdatedAt: seconds(i.lastUpdatedAt),
    ...(i.objectTypeName ? { ObjectTypeName: i.objectTypeName } : {}),
    ...(i.objectTypeNames ? { ObjectTypeNames: i.objectTypeNames } : {}),
    ...tagsMember(i.tags),
    IsUnstructured: false,
  };
}

const CONNECT_INSTANCE_ARN = /^arn:aws:connect:([a-z0-9-]+):(\d{12}):instance\/([0-9a-f-]+)$/;

function checkObjectTypeExists(domain: Domain, name: string): void {
  if (!domain.objectTypes[name] && !CONNECT_OBJECT_TYPES.has(name)) {
    throw bad(`Object type ${name} does not exist in domain ${domain.name}.`);
  }
}

export function putIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  // A domain made moments ago, under a propagation delay, is not visible here yet.
  if (ctx.propagation.hidden("domain", domain.arn)) {
    throw notFound(`Domain ${domain.name} does not exist.`);
  }
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

export function getIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const uri = requiredString(bodyOf(req), "Uri");
  return json(integrationBody(domain, findIntegration(domain, uri)));
}

/**
 * The `include-hidden` query member (IncludeHidden, default false): hidden integrations are
 * left out of both lists unless it is true, as on AWS.
 */
function includeHidden(req: AwsRequest): boolean {
  const raw = req.query.get("include-hidden");
  if (raw === null || raw === "false") return false;
  if (raw === "true") return true;
  throw bad(`include-hidden must be true or false, not ${raw.slice(0, 20)}.`);
}

const listed = (req: AwsRequest) => {
  const hidden = includeHidden(req);
  return (i: Integration) => hidden || !i.hidden;
};

export function listIntegrations(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const items = domain.integrations.filter(listed(req));
  return listResponse(req, items, (i) => integrationBody(domain, i));
}

export function listAccountIntegrations(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const uri = requiredString(bodyOf(req), "Uri");
  lengthBetween(uri, "uri", 1, 255);
  const shown = listed(req);
  const all = Object.values(profileState(ctx.state).domains)
    .filter((d) => d.region === req.region)
    .flatMap((d) =>
      d.integrations.filter((i) => i.uri === uri && shown(i)).map((i) => integrationBody(d, i)),
    );
  return listResponse(req, all);
}

export function deleteIntegration(req: AwsRequest, ctx: EmulatorContext): AwsResponse {
  const domain = domainOf(req, ctx.state);
  const uri = requiredString(bodyOf(req), "Uri");
  const integration = findIntegration(domain, uri);
  domain.integrations = domain.integrations.filter((i) => i !== integration);
  return json({ Message: `Integration ${uri} was deleted from domain ${domain.name}.` });
}
