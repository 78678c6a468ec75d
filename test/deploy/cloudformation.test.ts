/**
 * deploy/aws/profiles-bot.json, which cannot be deployed from here: it is valid against the
 * CloudFormation resource specification (cfn-spec.ts), its task role holds exactly
 * iam-policy.json, its health checks are the image's, and Redis is what BullMQ needs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { spec, validateTemplate } from "./cfn-spec.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), "utf8"));

// biome-ignore lint/suspicious/noExplicitAny: a parsed template, checked by the assertions.
type Template = { Resources: Record<string, any>; Parameters: Record<string, any> };
// biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's syntax, not JavaScript's.
const REDIS_URL = "rediss://${Redis.PrimaryEndPoint.Address}:${Redis.PrimaryEndPoint.Port}";
const template = (): Template => readJson("deploy/aws/profiles-bot.json");
const roleTemplate = (): Template => readJson("deploy/aws/profiles-bot-target-role.json");
const container = (t: Template, id: string) => t.Resources[id].Properties.ContainerDefinitions[0];
const envOf = (t: Template, id: string) =>
  Object.fromEntries(
    (container(t, id).Environment as { Name: string; Value: unknown }[]).map((e) => [
      e.Name,
      e.Value,
    ]),
  );

describe("the CloudFormation template", () => {
  it("is valid against the CloudFormation resource specification", () => {
    expect(Number.parseInt(spec.ResourceSpecificationVersion, 10)).toBeGreaterThan(100);
    expect(validateTemplate(template())).toEqual([]);
  });

  it("the validator finds what CloudFormation would refuse", () => {
    const t = template();
    t.Resources.Redis.Properties.MaxMemoryPolicy = "noeviction";
    delete t.Resources.Cluster.Type;
    t.Resources.Queue = { Type: "AWS::SQS::Quee" };
    delete t.Resources.RedisParameters.Properties.CacheParameterGroupFamily;
    t.Resources.BotService.Properties.DesiredCount = { Ref: "BotCount" };
    t.Resources.TaskRole.Properties.Description = { "Fn::GetAtt": ["Redis", "Endpoint.Address"] };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's syntax, not JavaScript's.
    t.Resources.LogGroup.Properties.LogGroupName = { "Fn::Sub": "/ecs/${Stack}" };
    container(t, "WorkerTaskDefinition").HealthCheck.Interval = [30];
    container(t, "BotTaskDefinition").Secrets[0].Value = "x";
    t.Parameters.VpcId.Type = "AWS::EC2::Vpc::Id";
    expect(validateTemplate(t).sort()).toEqual(
      [
        "BotService: Ref BotCount names no parameter or resource",
        "BotTaskDefinition.ContainerDefinitions[0].Secrets[0]: AWS::ECS::TaskDefinition has no property Value",
        "Cluster: a resource needs a Type",
        "LogGroup: Ref Stack names no parameter or resource",
        "Queue: the specification has no resource type AWS::SQS::Quee",
        "Redis: AWS::ElastiCache::ReplicationGroup has no property MaxMemoryPolicy",
        "RedisParameters: required property CacheParameterGroupFamily is missing",
        "TaskRole: AWS::ElastiCache::ReplicationGroup Redis has no attribute Endpoint.Address",
        "parameter VpcId: AWS::EC2::Vpc::Id is not a parameter type",
        "WorkerTaskDefinition.ContainerDefinitions[0].HealthCheck.Interval: must be of type Integer, not [30]",
      ].sort(),
    );
  });

  it("gives the task role exactly iam-policy.json, and both services that role", () => {
    const t = template();
    const policies = t.Resources.TaskRole.Properties.Policies;
    expect(policies).toHaveLength(2);
    // Unless every target is a role (OwnAccountPermissions false), the bot acts here itself.
    const [own, assume] = policies.map((p: { "Fn::If": unknown[] }) => p["Fn::If"]);
    expect(own[0]).toBe("ActsInOwnAccount");
    expect(
      own[1].PolicyDocument,
      "TaskRole's PolicyDocument must be iam-policy.json as it is: copy the file's content in",
    ).toEqual(readJson("iam-policy.json"));
    expect(own[2]).toEqual({ Ref: "AWS::NoValue" });
    expect(t.Resources.TaskRole.Properties.ManagedPolicyArns).toBeUndefined();
    for (const id of ["BotTaskDefinition", "WorkerTaskDefinition"]) {
      expect(t.Resources[id].Properties.TaskRoleArn).toEqual({ "Fn::GetAtt": ["TaskRole", "Arn"] });
    }
    // The target roles: iam-assume-policy.json with the roles given as a parameter, if any.
    expect(assume[0]).toBe("HasTargetRoles");
    const assumePolicy = readJson("iam-assume-policy.json");
    assumePolicy.Statement[0].Resource = { Ref: "TargetRoleArns" };
    expect(assume[1].PolicyDocument).toEqual(assumePolicy);
    expect(assume[2]).toEqual({ Ref: "AWS::NoValue" });
  });

  it("passes AWS_TARGETS to both services, empty (this account and region) by default", () => {
    const t = template();
    for (const id of ["BotTaskDefinition", "WorkerTaskDefinition"]) {
      expect(envOf(t, id).AWS_TARGETS).toEqual({ Ref: "AwsTargets" });
    }
    expect(t.Parameters.AwsTargets.Default).toBe("");
    expect(t.Parameters.TargetRoleArns).toMatchObject({ Type: "CommaDelimitedList", Default: "" });
  });

  it("runs a bot (Socket Mode) and a worker with the Slack tokens from Secrets Manager", () => {
    const t = template();
    expect(envOf(t, "BotTaskDefinition").ROLE).toBe("bot");
    expect(envOf(t, "WorkerTaskDefinition").ROLE).toBe("worker");
    const secrets = (id: string) =>
      Object.fromEntries(
        (container(t, id).Secrets as { Name: string; ValueFrom: { Ref: string } }[]).map((s) => [
          s.Name,
          t.Resources[s.ValueFrom.Ref].Type,
        ]),
      );
    expect(secrets("BotTaskDefinition")).toEqual({
      SLACK_BOT_TOKEN: "AWS::SecretsManager::Secret",
      SLACK_APP_TOKEN: "AWS::SecretsManager::Secret",
    });
    expect(secrets("WorkerTaskDefinition")).toEqual({
      SLACK_BOT_TOKEN: "AWS::SecretsManager::Secret",
    });
    // The execution role reads exactly the secrets the containers get, and nothing is inbound.
    const statement = t.Resources.ExecutionRole.Properties.Policies[0].PolicyDocument.Statement[0];
    expect(statement.Resource).toEqual([
      { Ref: "SlackBotTokenSecret" },
      { Ref: "SlackAppTokenSecret" },
    ]);
    expect(t.Resources.TaskSecurityGroup.Properties.SecurityGroupIngress).toBeUndefined();
    expect(t.Parameters.SlackBotToken.NoEcho).toBe(true);
    expect(t.Parameters.SlackAppToken.NoEcho).toBe(true);
  });

  it("checks health as the image does", () => {
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    const line = /^HEALTHCHECK (.*) CMD (\[.*\])$/m.exec(dockerfile);
    if (!line) throw new Error("the Dockerfile has no HEALTHCHECK … CMD [...] line");
    const seconds = (flag: string) =>
      Number(new RegExp(`--${flag}=(\\d+)s`).exec(line[1] ?? "")?.[1]);
    const t = template();
    for (const id of ["BotTaskDefinition", "WorkerTaskDefinition"]) {
      const check = container(t, id).HealthCheck;
      expect(check.Command).toEqual(["CMD", ...JSON.parse(line[2] ?? "[]")]);
      expect(check.Interval).toBe(seconds("interval"));
      expect(check.Timeout).toBe(seconds("timeout"));
      // bin/healthcheck.mjs asks the container's own PORT; the template leaves it at the default.
      expect(envOf(t, id).PORT).toBeUndefined();
    }
  });

  it("gives BullMQ a Redis that never evicts, over TLS, in the stack's own subnets", () => {
    const t = template();
    const redis = t.Resources.Redis.Properties;
    expect(redis.CacheParameterGroupName).toEqual({ Ref: "RedisParameters" });
    expect(t.Resources.RedisParameters.Properties.Properties).toEqual({
      "maxmemory-policy": "noeviction",
    });
    expect(t.Resources.RedisParameters.Properties.CacheParameterGroupFamily).toBe(
      `redis${String(redis.EngineVersion).split(".")[0]}`,
    );
    expect(redis.TransitEncryptionEnabled).toBe(true);
    expect(t.Resources.RedisSubnetGroup.Properties.SubnetIds).toEqual({ Ref: "RedisSubnetIds" });
    for (const id of ["BotTaskDefinition", "WorkerTaskDefinition"]) {
      // rediss:// is what makes ioredis speak TLS (src/redis.ts passes the URL as is).
      expect(envOf(t, id).REDIS_URL).toEqual({ "Fn::Sub": REDIS_URL });
    }
  });
});

describe("the target account's role template", () => {
  it("is valid against the CloudFormation resource specification", () => {
    expect(validateTemplate(roleTemplate())).toEqual([]);
  });

  it("holds iam-policy.json and iam-target-trust-policy.json, the bot and external id as parameters", () => {
    const t = roleTemplate();
    const role = t.Resources.TargetRole;
    expect(role.Type).toBe("AWS::IAM::Role");
    expect(role.Properties.Policies).toEqual([
      { PolicyName: "profiles-bot", PolicyDocument: readJson("iam-policy.json") },
    ]);
    const trust = JSON.parse(
      JSON.stringify(readJson("iam-target-trust-policy.json"))
        .replace('"<BOT_PRINCIPAL_ARN>"', JSON.stringify({ Ref: "BotPrincipalArn" }))
        .replace('"<EXTERNAL_ID>"', JSON.stringify({ Ref: "ExternalId" })),
    );
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trust);
    // The name iam-assume-policy.json's resource expects, and a session no longer than an hour.
    expect(t.Parameters.RoleName.Default).toBe("profiles-bot-target");
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    const pattern = new RegExp(t.Parameters.ExternalId.AllowedPattern);
    expect(pattern.test("profiles-bot-sandbox-external-id")).toBe(true);
    expect(pattern.test("no spaces")).toBe(false);
    const principal = new RegExp(t.Parameters.BotPrincipalArn.AllowedPattern);
    expect(principal.test("arn:aws:iam::111122223333:role/profiles-bot-TaskRole-ABC")).toBe(true);
    expect(principal.test("arn:aws:iam::111122223333:root")).toBe(true);
    expect(principal.test("111122223333")).toBe(false);
  });
});
