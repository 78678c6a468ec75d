/**
 * The contract checker itself: that it catches each kind of break the contract tests rely on,
 * and that the models it reads (test/contract/models/) are the installed `aws-sdk` package's.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  type Additions,
  check,
  checkExchange,
  type Exchange,
  loadAdditions,
  loadModel,
  loadPublishedModel,
  type Model,
} from "./model.js";
import { MODEL_FILES, type ModelService } from "./served.js";

const services = Object.keys(MODEL_FILES) as ModelService[];
const models = services.map(loadModel);
const model = (service: ModelService) => models.find((m) => m.service === service) as Model;
const profile = model("profile");

const signed = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});

describe("check", () => {
  const domain = {
    DomainName: "amazon-connect-ok",
    CreatedAt: 1_790_000_000,
    LastUpdatedAt: 1_790_000_000,
  };
  const getDomain = { shape: "GetDomainResponse" };

  it("accepts a value that keeps every rule", () => {
    expect(check(profile, getDomain, { ...domain, DefaultExpirationDays: 366 })).toEqual([]);
  });

  it("names a missing required member", () => {
    const { CreatedAt: _, ...rest } = domain;
    expect(check(profile, getDomain, rest)).toEqual([
      "CreatedAt: required by GetDomainResponse but missing",
    ]);
  });

  it("names a member AWS's model does not have", () => {
    expect(check(profile, getDomain, { ...domain, Owner: "me" })).toEqual([
      "Owner: not a member of GetDomainResponse in AWS's model",
    ]);
  });

  it("checks types, ranges, lengths and patterns", () => {
    const problems = check(profile, getDomain, {
      ...domain,
      CreatedAt: "2026-11-30T00:00:00Z",
      DefaultExpirationDays: 0,
      DomainName: "has spaces",
      DeadLetterQueueUrl: "x".repeat(256),
    });
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/CreatedAt: expected a timestamp as epoch seconds/);
    expect(problems.join("\n")).toMatch(
      /DefaultExpirationDays: value 0 is below the model's minimum 1/,
    );
    expect(problems.join("\n")).toMatch(/DomainName: "has spaces" does not match name's pattern/);
    expect(problems.join("\n")).toMatch(
      /DeadLetterQueueUrl: length 256 is above the model's maximum 255/,
    );
  });

  it("checks enums, list members and map keys and sizes", () => {
    const sqs = model("sqs");
    expect(
      check(
        sqs,
        { shape: "GetQueueAttributesRequest" },
        { QueueUrl: "u", AttributeNames: ["All", "Colour"] },
      ),
    ).toEqual([
      expect.stringMatching(
        /^AttributeNames\[1\]: "Colour" is not one of QueueAttributeName's values/,
      ),
    ]);
    expect(check(profile, { shape: "TagMap" }, {})).toEqual([
      "(top): entry count 0 is below the model's minimum 1 (TagMap)",
    ]);
    expect(check(profile, { shape: "TagMap" }, { "aws:owner": "x" })).toEqual([
      expect.stringMatching(/^aws:owner \(key\): "aws:owner" does not match TagKey's pattern/),
    ]);
  });

  it("counts a string's length in characters, not UTF-16 units", () => {
    // 255 emoji are 510 UTF-16 units but 255 characters: within DeadLetterQueueUrl's 255.
    expect(check(profile, { shape: "sqsQueueUrl" }, "😀".repeat(255))).toEqual([]);
    expect(check(profile, { shape: "sqsQueueUrl" }, "😀".repeat(256))).toHaveLength(1);
  });
});

describe("checkExchange", () => {
  const restExchange = (over: Partial<Exchange>): Exchange => ({
    method: "GET",
    url: "/domains/amazon-connect-ok",
    headers: signed("profile"),
    body: "",
    status: 200,
    responseHeaders: { "content-type": "application/json" },
    responseBody: JSON.stringify({
      DomainName: "amazon-connect-ok",
      CreatedAt: 1,
      LastUpdatedAt: 1,
    }),
    ...over,
  });

  it("finds a REST-JSON operation from the method and path AWS's model gives it", () => {
    expect(checkExchange(models, restExchange({}))).toEqual({
      operation: "profile:GetDomain",
      problems: [],
    });
    expect(checkExchange(models, restExchange({ method: "PATCH" })).operation).toBeUndefined();
  });

  it("reads URI and query string members as text and checks them", () => {
    const ex = restExchange({
      url: "/domains/has%20space/integrations?max-results=500&include-hidden=maybe",
      responseBody: JSON.stringify({ Items: [] }),
    });
    const { operation, problems } = checkExchange(models, ex);
    expect(operation).toBe("profile:ListIntegrations");
    expect(problems).toEqual([
      expect.stringMatching(/request DomainName: "has space" does not match name's pattern/),
      expect.stringMatching(/request MaxResults: value 500 is above the model's maximum 100/),
      expect.stringMatching(/request IncludeHidden: expected a boolean/),
    ]);
  });

  it("names an answer that is not JSON instead of failing on it", () => {
    expect(checkExchange(models, restExchange({ responseBody: "<html>" })).problems).toEqual([
      expect.stringMatching(/^profile:GetDomain response cannot be read: /),
    ]);
  });

  it("accepts declared and common error codes and names any other", () => {
    const failing = (code: string) =>
      restExchange({
        status: 404,
        responseHeaders: { "x-amzn-errortype": code },
        responseBody: "{}",
      });
    expect(checkExchange(models, failing("ResourceNotFoundException")).problems).toEqual([]);
    expect(checkExchange(models, failing("ThrottlingException")).problems).toEqual([]);
    expect(checkExchange(models, failing("NoSuchDomain")).problems).toEqual([
      expect.stringMatching(
        /^profile:GetDomain error NoSuchDomain is neither one of the operation's declared errors/,
      ),
    ]);
  });

  it("reads a JSON error's __type without its namespace", () => {
    const ex: Exchange = {
      method: "POST",
      url: "/",
      headers: { ...signed("sqs"), "x-amz-target": "AmazonSQS.GetQueueUrl" },
      body: JSON.stringify({ QueueName: "missing" }),
      status: 400,
      responseHeaders: {},
      responseBody: JSON.stringify({
        __type: "com.amazonaws.sqs#QueueDoesNotExist",
        message: "gone",
      }),
    };
    expect(checkExchange(models, ex)).toEqual({ operation: "sqs:GetQueueUrl", problems: [] });
    const wrong = {
      ...ex,
      responseBody: JSON.stringify({ __type: "com.amazonaws.sqs#NoSuchQueue" }),
    };
    expect(checkExchange(models, wrong).problems).toHaveLength(1);
  });

  it("reads a Query request's form and its XML answer", () => {
    const ex: Exchange = {
      method: "POST",
      url: "/",
      headers: signed("iam"),
      body: "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fbot&ActionNames.member.1=sqs%3AReceiveMessage",
      status: 200,
      responseHeaders: { "content-type": "text/xml" },
      responseBody:
        '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>' +
        "<EvaluationResults><member><EvalActionName>sqs:ReceiveMessage</EvalActionName><EvalDecision>maybe</EvalDecision></member></EvaluationResults>" +
        "<IsTruncated>false</IsTruncated></SimulatePrincipalPolicyResult></SimulatePrincipalPolicyResponse>",
    };
    const { operation, problems } = checkExchange(models, ex);
    expect(operation).toBe("iam:SimulatePrincipalPolicy");
    expect(problems).toEqual([
      expect.stringMatching(
        /response EvaluationResults\[0\]\.EvalDecision: "maybe" is not one of PolicyEvaluationDecisionType's values/,
      ),
    ]);
    const refused = {
      ...ex,
      status: 403,
      responseBody:
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
    };
    expect(checkExchange(models, refused).problems).toEqual([]);
    const missing = {
      ...refused,
      responseBody: refused.responseBody.replace("AccessDenied", "NoSuchEntity"),
    };
    expect(checkExchange(models, missing).problems).toEqual([]);
    const unknown = {
      ...refused,
      responseBody: refused.responseBody.replace("AccessDenied", "NoSuchRole"),
    };
    expect(checkExchange(models, unknown).problems).toEqual([
      expect.stringMatching(/error NoSuchRole is neither one of the operation's declared errors/),
    ]);
  });
});

/**
 * The kept models are the full models of the installed `aws-sdk` release: their operations
 * agree with the package's minified models in HTTP binding, members, locations, `required`
 * and types, however deep. An upgrade that changes one fails here until extract-models.ts is
 * run again.
 */
describe("the kept models", () => {
  const require = createRequire(import.meta.url);

  interface MinShape {
    type?: string;
    shape?: string;
    required?: string[];
    members?: Record<string, MinShape & { location?: string; locationName?: string }>;
    member?: MinShape;
    key?: MinShape;
    value?: MinShape;
  }

  /** One comparable outline of a shape: type, required, members with their locations. */
  function outline(resolve: (ref: MinShape) => MinShape, ref: MinShape, depth: number): unknown {
    const shape = resolve(ref);
    const type = shape.type ?? "string";
    if (depth > 6) return type;
    if (type === "structure") {
      return {
        required: [...(shape.required ?? [])].sort(),
        members: Object.fromEntries(
          Object.entries(shape.members ?? {}).map(([name, m]) => [
            name,
            {
              at: `${m.location ?? "body"}:${m.locationName ?? ""}`,
              is: outline(resolve, m, depth + 1),
            },
          ]),
        ),
      };
    }
    if (type === "list") return { list: outline(resolve, shape.member ?? {}, depth + 1) };
    if (type === "map")
      return {
        map: [
          outline(resolve, shape.key ?? {}, depth + 1),
          outline(resolve, shape.value ?? {}, depth + 1),
        ],
      };
    return type;
  }

  it.each(services)("%s agrees with the aws-sdk package's minified model", (service) => {
    const kept = loadPublishedModel(service);
    const min = require(`aws-sdk/apis/${MODEL_FILES[service]}.min.json`) as {
      operations: Record<
        string,
        { http?: { method?: string; requestUri?: string }; input?: MinShape; output?: MinShape }
      >;
      shapes: Record<string, MinShape>;
    };
    const fromKept = (ref: MinShape) => (ref.shape ? (kept.shapes[ref.shape] as MinShape) : ref);
    const fromMin = (ref: MinShape) => (ref.shape ? (min.shapes[ref.shape] as MinShape) : ref);
    for (const [name, op] of Object.entries(kept.operations)) {
      const published = min.operations[name];
      expect(published, `${service}:${name}`).toBeDefined();
      expect([op.http.method, op.http.requestUri], `${service}:${name} http`).toEqual([
        published?.http?.method ?? "POST",
        published?.http?.requestUri ?? "/",
      ]);
      for (const side of ["input", "output"] as const) {
        const keptRef = op[side] as MinShape | undefined;
        const minRef = published?.[side];
        expect(
          keptRef ? outline(fromKept, keptRef, 0) : undefined,
          `${service}:${name} ${side}`,
        ).toEqual(minRef ? outline(fromMin, minRef, 0) : undefined);
      }
    }
  });
});

/**
 * Each member models/additions.json adds is one the SDK v3 client of that service has: its
 * schema for the structure (exported as `<Structure>$`, member names at index 4) names it.
 */
describe("the additions", () => {
  const require = createRequire(import.meta.url);
  const CLIENTS: Partial<Record<ModelService, string>> = {
    profile: "@aws-sdk/client-customer-profiles",
  };
  const added = Object.entries(loadAdditions()) as [ModelService, Additions][];

  it.each(added)("%s: every added member is in the SDK v3 client's schema", (service, add) => {
    const client = require(CLIENTS[service] ?? "") as Record<string, unknown[] | undefined>;
    const structures: [string, string[]][] = [
      ...Object.entries(add.members).map(([name, m]): [string, string[]] => [name, Object.keys(m)]),
      ...Object.entries(add.shapes)
        .filter(([, shape]) => shape.type === "structure")
        .map(([name, shape]): [string, string[]] => [name, Object.keys(shape.members ?? {})]),
    ];
    for (const [name, members] of structures) {
      const schema = client[`${name}$`];
      expect(schema, `${CLIENTS[service]} ${name}$`).toBeDefined();
      expect(schema?.[4], name).toEqual(expect.arrayContaining(members));
    }
  });

  it("are merged into the model the contract tests check against", () => {
    expect(
      check(
        profile,
        { shape: "CreateDomainRequest" },
        { DomainName: "d", DefaultExpirationDays: 1, DataStore: { Enabled: "yes" } },
      ),
    ).toEqual([expect.stringMatching(/^DataStore\.Enabled: expected a boolean/)]);
  });
});
