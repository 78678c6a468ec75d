/**
 * The IAM policy shipped with the bot must allow every AWS operation the code calls: this
 * scans src/ and jobs/ for constructed SDK commands, so calling a new operation without
 * updating iam-policy.json fails here instead of in someone's production account. Then the
 * emulator's policy evaluator decides iam-policy.json on the sandbox's seeded, pre-existing
 * domain, queue and key (with the tags they really have) and on resources tagged as the
 * provisioning steps tag what they create: the bot may delete only the latter.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate, type RequestContext } from "../../sandbox/aws/policy.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME, seed } from "../../sandbox/aws/seed.js";
import { profileState } from "../../sandbox/aws/services/profiles-state.js";
import { ACCOUNT_ID, emptyState } from "../../sandbox/aws/state.js";
import { requestTags, TAG_CREATED_BY } from "../../src/provision/steps.js";
import type { ProvisionInput } from "../../src/provision/types.js";
import { sdkNamesIn } from "../support/sdk-imports.js";

const ROOT = new URL("../../", import.meta.url).pathname;

const PREFIX_BY_PACKAGE: Record<string, string> = {
  "@aws-sdk/client-customer-profiles": "profile",
  "@aws-sdk/client-sqs": "sqs",
  "@aws-sdk/client-kms": "kms",
  "@aws-sdk/client-connect": "connect",
};

/** Operations authorised by another action's name. */
const ACTION_ALIASES: Record<string, string> = {
  "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
  "sqs:SendMessageBatch": "sqs:SendMessage",
};

/** Actions AWS authorises only on "*": every other action must name a resource pattern. */
const ACCOUNT_WIDE = new Set([
  "profile:ListDomains",
  "profile:ListAccountIntegrations",
  "sqs:ListQueues",
  "kms:CreateKey",
  "kms:ListKeys",
  "kms:ListAliases",
  "connect:ListInstances",
]);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

const policy = JSON.parse(readFileSync(join(ROOT, "iam-policy.json"), "utf8")) as {
  Version: string;
  Statement: Statement[];
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function sourceFiles(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The IAM actions a source file's `new XxxCommand(` calls need, by the package each was
 * imported from, or taken from (`const { XxxCommand } = connectSdk()`).
 */
function actionsIn(source: string): string[] {
  const importedAs = new Map<string, { name: string; pkg: string }>();
  for (const { names, pkg } of sdkNamesIn(source)) {
    for (const spec of names.split(",")) {
      const [imported, local] = spec
        .replace(/^\s*type\s+/, "")
        .trim()
        .split(/\s+as\s+/);
      if (imported) importedAs.set((local ?? imported).trim(), { name: imported.trim(), pkg });
    }
  }
  const actions = new Set<string>();
  for (const [, local = ""] of source.matchAll(/new\s+(\w+)\s*\(/g)) {
    const found = importedAs.get(local);
    const prefix = PREFIX_BY_PACKAGE[found?.pkg ?? ""];
    if (!found || !prefix || !found.name.endsWith("Command")) continue;
    const action = `${prefix}:${found.name.replace(/Command$/, "")}`;
    actions.add(ACTION_ALIASES[action] ?? action);
  }
  return [...actions];
}

function allowedActions(): Set<string> {
  return new Set(
    policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action)),
  );
}

describe("iam-policy.json", () => {
  const files = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "jobs"))];
  const needed = new Map<string, string[]>();
  for (const file of files) {
    for (const action of actionsIn(readFileSync(file, "utf8"))) {
      needed.set(action, [...(needed.get(action) ?? []), file.slice(ROOT.length)]);
    }
  }

  it("finds the gateways' AWS calls (the scan itself works)", () => {
    expect(needed.has("profile:CreateDomain")).toBe(true);
    expect(needed.has("sqs:DeleteMessage")).toBe(true);
    expect(needed.has("kms:PutKeyPolicy")).toBe(true);
    expect(needed.has("connect:ListInstances")).toBe(true);
  });

  it("allows every AWS operation the code calls", () => {
    const allowed = allowedActions();
    const missing = [...needed.entries()]
      .filter(([action]) => !allowed.has(action))
      .map(([action, where]) => `${action} (called in ${where.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("grants no wildcard action", () => {
    const wildcards = [...allowedActions()].filter((a) => a.includes("*"));
    expect(wildcards).toEqual([]);
  });

  it("scopes every action to resources unless AWS only authorises it on *", () => {
    const unscoped = policy.Statement.filter((s) => list(s.Resource).includes("*"))
      .flatMap((s) => list(s.Action))
      .filter((a) => !ACCOUNT_WIDE.has(a));
    expect(unscoped).toEqual([]);
  });

  it("allows the tag calls that keep routing and mutes on domain ARNs only", () => {
    for (const action of [
      "profile:TagResource",
      "profile:UntagResource",
      "profile:ListTagsForResource",
    ]) {
      const resources = policy.Statement.filter(
        (s) => s.Effect === "Allow" && list(s.Action).includes(action),
      ).flatMap((s) => list(s.Resource));
      expect(resources, action).toEqual(["arn:aws:profile:*:*:domains/*"]);
    }
  });

  it("grants nothing in IAM", () => {
    expect([...allowedActions()].filter((a) => a.startsWith("iam:"))).toEqual([]);
  });

  it("has a valid shape: version, unique Sids made of letters and digits", () => {
    expect(policy.Version).toBe("2012-10-17");
    const sids = policy.Statement.map((s) => s.Sid ?? "");
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(sids).size).toBe(sids.length);
  });
});

describe("actionsIn", () => {
  it("maps constructed commands to IAM actions by their package, aliases included", () => {
    const source = `
      import { CreateQueueCommand, DeleteMessageBatchCommand as DelBatch } from "@aws-sdk/client-sqs";
      import { GetDomainCommand, type GetDomainResponse } from "@aws-sdk/client-customer-profiles";
      import { SomethingCommand } from "./elsewhere.js";
      const { ListInstancesCommand } = connectSdk();
      const { OtherCommand } = notAnSdk();
      await sqs.send(new CreateQueueCommand({}));
      await connect.send(new ListInstancesCommand({}));
      await x.send(new OtherCommand({}));
      await sqs.send(new DelBatch({}));
      await profiles.send(new GetDomainCommand({}));
      await x.send(new SomethingCommand());
    `;
    expect(actionsIn(source).sort()).toEqual(
      ["connect:ListInstances", "profile:GetDomain", "sqs:CreateQueue", "sqs:DeleteMessage"].sort(),
    );
  });
});

const REGION = "us-east-1";

/** The sandbox's seeded account: what a real account holds before the bot comes. */
function preExisting() {
  const state = emptyState();
  seed(state, { region: REGION, baseUrl: "http://127.0.0.1:4566" });
  const domain = Object.values(profileState(state).domains)[0];
  const queue = Object.values(state.sqs.queues).find((q) => q.name === LEGACY_QUEUE_NAME);
  const alias = Object.values(state.kms.aliases).find((a) => a.aliasName === LEGACY_KEY_ALIAS);
  const key = Object.values(state.kms.keys).find((k) => k.keyId === alias?.targetKeyId);
  if (!domain || !queue || !key) throw new Error("the sandbox seed has no domain, queue or key");
  return {
    domain: { arn: domain.arn, tags: domain.tags },
    queue: { arn: queue.arn, tags: queue.tags },
    key: { arn: key.arn, tags: Object.fromEntries(key.tags.map((t) => [t.TagKey, t.TagValue])) },
  };
}

/** What the provisioning steps tag a resource they create with (steps.ts requestTags). */
const createdTags = requestTags({ requestedBy: "U0ADMIN", jobId: "42" } as ProvisionInput);

const resourceTags = (tags: Record<string, string>): RequestContext =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
const requestContext = (tags: Record<string, string>): RequestContext => ({
  ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  "aws:TagKeys": Object.keys(tags),
});

const decide = (action: string, resource: string, context: RequestContext = {}) =>
  evaluate(policy, { action, resource, context });

describe("iam-policy.json, evaluated: least privilege", () => {
  const old = preExisting();
  const mine = {
    domain: `arn:aws:profile:${REGION}:${ACCOUNT_ID}:domains/amazon-connect-examplecorp`,
    queue: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:amazon-connect-examplecorp-dlq`,
    key: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/0f8e2a56-1c1b-4a58-9d0e-2b7c1e0b7a11`,
  };

  it("the seeded resources really are pre-existing: none carries the created-by tag", () => {
    for (const r of Object.values(old)) expect(r.tags[TAG_CREATED_BY]).toBeUndefined();
    expect(createdTags[TAG_CREATED_BY]).toBe("profiles-bot");
  });

  it("lets the bot delete the domain, queue and key it created", () => {
    const tagged = resourceTags(createdTags);
    expect(decide("profile:DeleteDomain", mine.domain, tagged)).toBe("allowed");
    expect(decide("sqs:DeleteQueue", mine.queue, tagged)).toBe("allowed");
    expect(decide("kms:ScheduleKeyDeletion", mine.key, tagged)).toBe("allowed");
    // DeleteAlias is authorised on the alias and on its key: the key's side needs the tag.
    expect(decide("kms:DeleteAlias", mine.key, tagged)).toBe("allowed");
    expect(
      decide("kms:DeleteAlias", `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/amazon-connect-x`),
    ).toBe("allowed");
  });

  it("denies deleting the pre-existing domain, queue and key", () => {
    expect(decide("profile:DeleteDomain", old.domain.arn, resourceTags(old.domain.tags))).toBe(
      "implicitDeny",
    );
    expect(decide("sqs:DeleteQueue", old.queue.arn, resourceTags(old.queue.tags))).toBe(
      "implicitDeny",
    );
    expect(decide("kms:ScheduleKeyDeletion", old.key.arn, resourceTags(old.key.tags))).toBe(
      "implicitDeny",
    );
    expect(decide("kms:DeleteAlias", old.key.arn, resourceTags(old.key.tags))).toBe("implicitDeny");
    // Another value of the tag is not the bot's either.
    const forged = resourceTags({ [TAG_CREATED_BY]: "someone-else" });
    expect(decide("profile:DeleteDomain", mine.domain, forged)).toBe("implicitDeny");
  });

  it("still lets the bot change pre-existing ones as the person confirmed", () => {
    const domain = resourceTags(old.domain.tags);
    expect(decide("profile:UpdateDomain", old.domain.arn, domain)).toBe("allowed");
    expect(decide("profile:DeleteIntegration", old.domain.arn, domain)).toBe("allowed");
    expect(decide("profile:PutIntegration", old.domain.arn, domain)).toBe("allowed");
    expect(decide("sqs:SetQueueAttributes", old.queue.arn, resourceTags(old.queue.tags))).toBe(
      "allowed",
    );
    expect(decide("kms:GetKeyPolicy", old.key.arn)).toBe("allowed");
    expect(decide("kms:PutKeyPolicy", old.key.arn, resourceTags(old.key.tags))).toBe("allowed");
    // Digest routing and mutes are tags on any domain.
    const routing = { "profiles-bot:channel": "C0OPS" };
    expect(decide("profile:TagResource", old.domain.arn, requestContext(routing))).toBe("allowed");
  });

  it("creates only with the created-by tag, which the create calls themselves carry", () => {
    const create = requestContext(createdTags);
    expect(decide("profile:CreateDomain", mine.domain, create)).toBe("allowed");
    expect(decide("sqs:CreateQueue", mine.queue, create)).toBe("allowed");
    expect(decide("sqs:TagQueue", mine.queue, create)).toBe("allowed");
    expect(decide("kms:CreateKey", "*", create)).toBe("allowed");
    expect(decide("kms:TagResource", mine.key, create)).toBe("allowed");
    const untagged = requestContext({ "profiles-bot:job": "42" });
    expect(decide("profile:CreateDomain", mine.domain, untagged)).toBe("implicitDeny");
    expect(decide("sqs:CreateQueue", mine.queue, untagged)).toBe("implicitDeny");
    expect(decide("kms:CreateKey", "*", untagged)).toBe("implicitDeny");
  });

  it("lets CreateDomain's own tags through profile:TagResource, which AWS also checks for them", () => {
    // The Service Authorization Reference maps a CreateDomain with tags to profile:CreateDomain
    // and profile:TagResource on the new domain: both must allow the job's tags.
    const create = requestContext(createdTags);
    expect(decide("profile:CreateDomain", mine.domain, create)).toBe("allowed");
    expect(decide("profile:TagResource", mine.domain, create)).toBe("allowed");
  });
});

describe("the emulator's policy evaluator", () => {
  const allowTagged = (operator: string, key: string, value: unknown) => ({
    Statement: [
      {
        Effect: "Allow",
        Action: "sqs:*",
        Resource: "arn:aws:sqs:*:*:*",
        Condition: { [operator]: { [key]: value } },
      },
    ],
  });
  const q = "arn:aws:sqs:us-east-1:111122223333:q";

  it("matches Resource and Action wildcards, actions without regard to case", () => {
    const p = {
      Statement: [{ Effect: "Allow", Action: "SQS:Delete*", Resource: "arn:aws:sqs:*:*:q?" }],
    };
    expect(evaluate(p, { action: "sqs:DeleteQueue", resource: `${q}1` })).toBe("allowed");
    expect(evaluate(p, { action: "sqs:DeleteQueue", resource: `${q}12` })).toBe("implicitDeny");
    expect(evaluate(p, { action: "sqs:SendMessage", resource: `${q}1` })).toBe("implicitDeny");
  });

  describe("StringEquals, StringLike, ArnLike and Null on tag and ARN keys", () => {
    const ctx = { "aws:ResourceTag/owner": "profiles-bot", "aws:SourceArn": q };
    it.each([
      ["StringEquals", "aws:ResourceTag/owner", "profiles-bot", "allowed"],
      ["StringEquals", "aws:ResourceTag/owner", "Profiles-Bot", "implicitDeny"],
      ["StringLike", "aws:ResourceTag/owner", "profiles-*", "allowed"],
      ["StringNotEquals", "aws:ResourceTag/owner", "x", "allowed"],
      ["ArnLike", "aws:SourceArn", "arn:aws:sqs:*:111122223333:*", "allowed"],
      ["ArnLike", "aws:SourceArn", "arn:aws:sqs:*:999999999999:*", "implicitDeny"],
      ["Null", "aws:ResourceTag/owner", "false", "allowed"],
      ["Null", "aws:ResourceTag/absent", "true", "allowed"],
      ["StringEquals", "aws:ResourceTag/absent", "x", "implicitDeny"],
      ["StringEqualsIfExists", "aws:ResourceTag/absent", "x", "allowed"],
      ["DateGreaterThan", "aws:CurrentTime", "2020-01-01", "implicitDeny"],
    ])("%s on %s, %s: %s", (operator, key, value, verdict) => {
      const policy = allowTagged(operator, key, value);
      expect(evaluate(policy, { action: "sqs:DeleteQueue", resource: q, context: ctx })).toBe(
        verdict,
      );
    });
  });

  it("ForAnyValue and ForAllValues over a list of tag keys", () => {
    const run = (p: object, keys: string[]) =>
      evaluate(p, { action: "sqs:TagQueue", resource: q, context: { "aws:TagKeys": keys } });
    const any = allowTagged("ForAnyValue:StringEquals", "aws:TagKeys", ["a"]);
    const all = allowTagged("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"]);
    expect(run(any, ["c", "a"])).toBe("allowed");
    expect(run(any, ["c"])).toBe("implicitDeny");
    expect(run(all, ["a", "b"])).toBe("allowed");
    expect(run(all, ["a", "c"])).toBe("implicitDeny");
  });

  it("an explicit Deny beats any Allow, and a Deny it cannot read still denies", () => {
    const p = (deny: object) => ({
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: "sqs:DeleteQueue", Resource: "*", ...deny },
      ],
    });
    expect(evaluate(p({}), { action: "sqs:DeleteQueue", resource: q })).toBe("explicitDeny");
    expect(evaluate(p({}), { action: "sqs:SendMessage", resource: q })).toBe("allowed");
    const unknown = p({ Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01" } } });
    expect(evaluate(unknown, { action: "sqs:DeleteQueue", resource: q })).toBe("explicitDeny");
  });

  it("resource policies match the calling service's principal; identity policies have none", () => {
    const resourcePolicy = {
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "profile.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: q,
        },
      ],
    };
    expect(
      evaluate(resourcePolicy, {
        action: "sqs:SendMessage",
        resource: q,
        servicePrincipal: "profile.amazonaws.com",
      }),
    ).toBe("allowed");
    expect(
      evaluate(resourcePolicy, {
        action: "sqs:SendMessage",
        resource: q,
        servicePrincipal: "sns.amazonaws.com",
      }),
    ).toBe("implicitDeny");
    expect(evaluate(resourcePolicy, { action: "sqs:SendMessage", resource: q })).toBe(
      "implicitDeny",
    );
  });
});
