/**
 * The IAM policy shipped with the bot must allow every AWS operation the code calls: this
 * scans src/ and jobs/ for constructed SDK commands, so calling a new operation without
 * updating iam-policy.json fails here instead of in someone's production account.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

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

/** The IAM actions a source file's `new XxxCommand(` calls need, by the package each was imported from. */
function actionsIn(source: string): string[] {
  const importedAs = new Map<string, { name: string; pkg: string }>();
  const imports = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["'](@aws-sdk\/client-[a-z-]+)["']/g;
  for (const [, names = "", pkg = ""] of source.matchAll(imports)) {
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
      await sqs.send(new CreateQueueCommand({}));
      await sqs.send(new DelBatch({}));
      await profiles.send(new GetDomainCommand({}));
      await x.send(new SomethingCommand());
    `;
    expect(actionsIn(source).sort()).toEqual(
      ["profile:GetDomain", "sqs:CreateQueue", "sqs:DeleteMessage"].sort(),
    );
  });
});
