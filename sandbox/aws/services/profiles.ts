/**
 * Amazon Connect Customer Profiles (service "profile", REST-JSON): the service entry and its
 * routing table. The handlers live by concern in profiles-domains.ts,
 * profiles-integrations.ts, profiles-objects.ts and profiles-tags.ts; ingestion and its dead-letter queue in
 * profiles-ingestion.ts. Tests import the service from here, with the names below they use
 * to seed it and to read what it holds; emulator code imports the file that defines a name.
 */
import {
  AwsError,
  type AwsRequest,
  type AwsResponse,
  type EmulatorContext,
  type ServiceModule,
} from "../types.js";
import {
  createDomain,
  deleteDomain,
  getDomain,
  listDomains,
  updateDomain,
} from "./profiles-domains.js";
import {
  deleteIntegration,
  getIntegration,
  listAccountIntegrations,
  listIntegrations,
  putIntegration,
} from "./profiles-integrations.js";
import {
  deleteProfileObjectType,
  getProfileObjectType,
  listProfileObjects,
  listProfileObjectTypes,
  putProfileObject,
  putProfileObjectType,
  searchProfiles,
} from "./profiles-objects.js";
import { bad } from "./profiles-support.js";
import { listTagsForResource, tagResource, untagResource } from "./profiles-tags.js";

export { INGESTION_ERRORS, ingestionIdle } from "./profiles-ingestion.js";
export { CRM_CONTACT_TYPE, seedProfiles } from "./profiles-seed.js";
export { type Domain, findDomain, profileIdsOf, profileState } from "./profiles-state.js";

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
  route("POST", "/tags/{resourceArn}", "TagResource", tagResource),
  route("DELETE", "/tags/{resourceArn}", "UntagResource", untagResource),
  route("GET", "/tags/{resourceArn}", "ListTagsForResource", listTagsForResource),
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
