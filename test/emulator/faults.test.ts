/**
 * Faults by AWS error code, through the real SDK clients: a count fails exactly that many
 * calls, a probability follows the emulator's random source, each error arrives in its
 * service's wire format with the class or name the SDK surfaces, and the control endpoint
 * (/_emulator/faults) sets, lists and clears faults while the emulator runs.
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import { ListInstancesCommand } from "@aws-sdk/client-connect";
import {
  AccessDeniedException,
  CreateDomainCommand,
  GetDomainCommand,
  ListDomainsCommand,
} from "@aws-sdk/client-customer-profiles";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSInvalidStateException,
  KMSServiceException,
} from "@aws-sdk/client-kms";
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorHandle, type StartOptions, startEmulator } from "../../sandbox/aws/server.js";
import { seeded } from "../../sandbox/seeded.js";
import { emulatorControl } from "../support/emulator-control.js";
import { clients, startSeeded } from "./profiles-helpers.js";

const open: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function emulator(opts: StartOptions = {}) {
  const emu = await startSeeded(opts);
  const c = clients(emu.url);
  open.push(emu, ...Object.values(c).map((client) => ({ close: () => client.destroy() })));
  return { emu, ...c };
}

/** The error a call raised (or "ok"), for assertions on what the SDK surfaces. */
const outcome = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => "ok",
    (e: unknown) => e,
  );

const createDomain = (name: string) =>
  new CreateDomainCommand({ DomainName: name, DefaultExpirationDays: 366 });

const control = (emu: EmulatorHandle, method: string, body?: unknown, query = "") =>
  emulatorControl(emu.url, "faults", method, body, query);

describe("a count fault", () => {
  it("fails exactly the next N calls with the code, then the operation works again", async () => {
    const { emu, profiles } = await emulator({
      faults: { "profile:CreateDomain": { code: "AccessDeniedException", count: 2 } },
    });
    const first = await outcome(profiles.send(createDomain("amazon-connect-a")));
    const second = await outcome(profiles.send(createDomain("amazon-connect-a")));
    for (const err of [first, second]) {
      expect(err).toBeInstanceOf(AccessDeniedException);
      expect(err).toMatchObject({
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 403 },
      });
      expect((err as Error).message).toMatch(/not authorized to perform: profile:CreateDomain/);
    }
    // Other operations were never affected, and the third call creates the domain.
    expect(await outcome(profiles.send(new ListDomainsCommand({})))).toBe("ok");
    expect(await outcome(profiles.send(createDomain("amazon-connect-a")))).toBe("ok");
    const domain = await profiles.send(new GetDomainCommand({ DomainName: "amazon-connect-a" }));
    expect(domain.DomainName).toBe("amazon-connect-a");
    // Used up, it is gone from the table.
    expect(emu.faults.list()).toEqual({});
  });

  it("answers KMS in JSON 1.1 with KMS's status: AccessDeniedException on GetKeyPolicy, KMSInvalidStateException", async () => {
    const { kms } = await emulator({
      faults: {
        "kms:GetKeyPolicy": { code: "AccessDeniedException", count: 1 },
        "kms:DescribeKey": { code: "KMSInvalidStateException", count: 1 },
      },
    });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata?.KeyId;
    const denied = await outcome(
      kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" })),
    );
    expect(denied).toBeInstanceOf(KMSServiceException);
    expect(denied).toMatchObject({
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    expect(await outcome(kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" })))).toBe(
      "ok",
    );
    const invalid = await outcome(kms.send(new DescribeKeyCommand({ KeyId })));
    expect(invalid).toBeInstanceOf(KMSInvalidStateException);
    expect(invalid).toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it("answers SQS with the class its JSON protocol names, and Query clients with <ErrorResponse>", async () => {
    const { emu, sqs } = await emulator({
      faults: { "sqs:GetQueueUrl": { code: "QueueDoesNotExist", count: 2 } },
    });
    await sqs.send(new CreateQueueCommand({ QueueName: "there" }));
    const err = await outcome(sqs.send(new GetQueueUrlCommand({ QueueName: "there" })));
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });

    const query = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetQueueUrl&QueueName=there&Version=2012-11-05",
    });
    expect(query.status).toBe(400);
    expect(await query.text()).toContain("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
    // Both calls used the count; the queue is found again.
    expect(await outcome(sqs.send(new GetQueueUrlCommand({ QueueName: "there" })))).toBe("ok");
  });

  it("gives an SQS code its model doesn't list the status from the table, and the SDK its name", async () => {
    const { sqs } = await emulator({
      faults: { "sqs:SendMessage": { code: "AccessDenied", count: 1 } },
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "guarded" }));
    const err = await outcome(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })));
    expect(err).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
  });

  it("answers an unknown code with 400, and takes a given status and message", async () => {
    const { connect, profiles } = await emulator({
      faults: {
        "connect:ListInstances": { code: "SomethingOddException", count: 1 },
        "profile:ListDomains": {
          code: "ServiceUnavailableException",
          count: 1,
          status: 502,
          message: "try later",
        },
      },
    });
    const odd = await outcome(connect.send(new ListInstancesCommand({})));
    expect(odd).toMatchObject({
      name: "SomethingOddException",
      $metadata: { httpStatusCode: 400 },
    });
    const down = await outcome(profiles.send(new ListDomainsCommand({})));
    expect(down).toMatchObject({
      name: "ServiceUnavailableException",
      message: "try later",
      $fault: "server",
      $metadata: { httpStatusCode: 502 },
    });
  });

  it("takes the most specific key, and only that fault's count", async () => {
    const { emu, profiles } = await emulator({
      faults: {
        "profile:*": { code: "InternalServerException", count: 5 },
        "profile:ListDomains": { code: "AccessDeniedException", count: 1 },
      },
    });
    expect(await outcome(profiles.send(new ListDomainsCommand({})))).toBeInstanceOf(
      AccessDeniedException,
    );
    // ListDomains' own fault is used up; the service-wide one applies now.
    expect(await outcome(profiles.send(new ListDomainsCommand({})))).toMatchObject({
      name: "InternalServerException",
      $metadata: { httpStatusCode: 500 },
    });
    expect(emu.faults.list()).toEqual({
      "profile:*": { code: "InternalServerException", count: 5, injected: 1, remaining: 4 },
    });
  });
});

describe("a probability fault", () => {
  it("fails the calls whose roll of the emulator's seeded random source falls under it", async () => {
    const { emu, profiles } = await emulator({
      faults: { "profile:ListDomains": { code: "AccessDeniedException", probability: 0.3 } },
      random: seeded(42),
    });
    const replay = seeded(42);
    const expected = Array.from({ length: 30 }, () => (replay() < 0.3 ? "denied" : "ok"));
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await outcome(profiles.send(new ListDomainsCommand({})));
      seen.push(r === "ok" ? "ok" : (r as Error).name === "AccessDeniedException" ? "denied" : "?");
    }
    expect(seen).toEqual(expected);
    // Neither all nor none: the fraction is applied call by call.
    const denied = seen.filter((o) => o === "denied").length;
    expect(denied).toBeGreaterThan(0);
    expect(denied).toBeLessThan(30);
    expect(emu.faults.list()["profile:ListDomains"]).toMatchObject({ injected: denied });
  });
});

describe("faults changed while the emulator runs", () => {
  it("from code: set, listed, cleared", async () => {
    const { emu, profiles } = await emulator();
    expect(await outcome(profiles.send(new ListDomainsCommand({})))).toBe("ok");
    emu.faults.set({ "profile:ListDomains": { code: "AccessDeniedException" } });
    // No count and no probability: every call until cleared.
    for (let i = 0; i < 3; i++) {
      expect(await outcome(profiles.send(new ListDomainsCommand({})))).toBeInstanceOf(
        AccessDeniedException,
      );
    }
    expect(emu.faults.list()).toEqual({
      "profile:ListDomains": { code: "AccessDeniedException", injected: 3 },
    });
    expect(emu.faults.clear("profile:ListDomains")).toBe(true);
    expect(await outcome(profiles.send(new ListDomainsCommand({})))).toBe("ok");
    expect(() => emu.faults.set({ "s3:GetObject": { code: "AccessDenied" } })).toThrow(
      /"s3:GetObject": the key must be "service:Operation"/,
    );
  });

  it("through the control endpoint: POST sets, GET lists, DELETE clears one or all", async () => {
    const { emu, profiles, kms } = await emulator();
    const set = await control(emu, "POST", {
      "profile:CreateDomain": { code: "AccessDeniedException" },
      "kms:*": { throttle: 1 },
    });
    expect(set.status).toBe(200);
    expect(Object.keys(set.json.faults as object).sort()).toEqual([
      "kms:*",
      "profile:CreateDomain",
    ]);

    expect(await outcome(profiles.send(createDomain("amazon-connect-b")))).toBeInstanceOf(
      AccessDeniedException,
    );
    expect(await outcome(kms.send(new CreateKeyCommand({})))).toMatchObject({
      name: "ThrottlingException",
    });
    const listed = await control(emu, "GET");
    expect(listed.json.faults).toMatchObject({
      "profile:CreateDomain": { code: "AccessDeniedException", injected: 1 },
      "kms:*": { throttle: 1, injected: 1 },
    });

    const one = await control(emu, "DELETE", undefined, "?key=profile%3ACreateDomain");
    expect(one.status).toBe(200);
    expect(Object.keys(one.json.faults as object)).toEqual(["kms:*"]);
    expect(await outcome(profiles.send(createDomain("amazon-connect-b")))).toBe("ok");

    const missing = await control(emu, "DELETE", undefined, "?key=profile%3ACreateDomain");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/No fault is set on "profile:CreateDomain"/);

    const all = await control(emu, "DELETE");
    expect(all).toEqual({ status: 200, json: { faults: {} } });
    expect(await outcome(kms.send(new CreateKeyCommand({})))).toBe("ok");
  });

  it("refuses bad input with a 400 that says what to fix, and changes nothing", async () => {
    const { emu } = await emulator({
      faults: { "profile:ListDomains": { code: "AccessDeniedException", count: 1 } },
    });
    const before = emu.faults.list();
    const cases: [unknown, RegExp][] = [
      ["{not json", /must be JSON like \{"profile:CreateDomain"/],
      [["profile:CreateDomain"], /must be a JSON object of "service:Operation" → fault/],
      [{ "s3:PutObject": { code: "AccessDenied" } }, /"s3:PutObject": the key must be/],
      [
        { "profile:CreateDomain": "AccessDenied" },
        /"profile:CreateDomain": the fault must be an object like/,
      ],
      [
        { "profile:CreateDomain": { code: "AccessDeniedException", count: 0 } },
        /\.count: must be a whole number of calls, 1 or more/,
      ],
      [
        { "profile:CreateDomain": { code: "AccessDeniedException", count: 1, probability: 0.5 } },
        /give count .* or probability .*, not both/,
      ],
      [
        { "profile:CreateDomain": { code: "AccessDeniedException", cout: 1 } },
        /Unrecognized key.*"cout"/,
      ],
      [{ "profile:CreateDomain": { code: "Access Denied" } }, /\.code: must be an AWS error code/],
      [{ "sqs:SendMessage": { throttle: 2 } }, /\.throttle: must be a number from 0 to 1/],
      [
        { "sqs:SendMessage": { throttle: 0.6, internal: 0.6 } },
        /throttle \+ internal must be at most 1/,
      ],
      // One bad entry among good ones: none of them is applied.
      [
        { "kms:*": { throttle: 1 }, "profile:CreateDomain": { code: 5 } },
        /\.code: must be an AWS error code/,
      ],
    ];
    for (const [body, says] of cases) {
      const res = await control(emu, "POST", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.json.error), JSON.stringify(body)).toMatch(says);
    }
    expect(emu.faults.list()).toEqual(before);

    const put = await control(emu, "PUT", {});
    expect(put.status).toBe(405);
    expect(put.json.error).toMatch(/use GET, POST or DELETE \/_emulator\/faults/);
    const other = await fetch(`${emu.url}/_emulator/latency`);
    expect(other.status).toBe(404);
  });

  it("is never an AWS operation: faults don't touch it, calls don't count it, signed requests are refused", async () => {
    const { emu } = await emulator({ faults: { "*": { internal: 1 } } });
    const listed = await control(emu, "GET");
    expect(listed.status).toBe(200);
    expect(emu.calls.size).toBe(0);
    const signed = await fetch(`${emu.url}/_emulator/faults`, {
      method: "DELETE",
      headers: {
        "x-amz-target": "AmazonSQS.ListQueues",
        authorization:
          "AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
      },
    });
    expect(signed.status).toBe(400);
    expect(((await signed.json()) as { error: string }).error).toMatch(/not an AWS API/);
    expect(Object.keys(emu.faults.list())).toEqual(["*"]);
  });
});

describe("faults at start", () => {
  it("refuses a bad table before listening, naming the key and what to fix", async () => {
    await expect(
      startEmulator({
        port: 0,
        faults: { "profile:CreateDomain": { code: "AccessDeniedException", count: -1 } },
      }),
    ).rejects.toThrow(/"profile:CreateDomain"\.count: must be a whole number of calls/);
  });
});

/** `npm run sandbox:aws` as a process, on a free port, with only the environment given. */
function sandboxAws(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "sandbox/aws/main.ts", "--port", "0", "--no-seed", ...args],
    {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  open.push({
    close: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  return Object.assign(child, { output: () => out });
}

describe("npm run sandbox:aws", () => {
  it("starts with AWS_EMULATOR_FAULTS in the first form and serves it at /_emulator/faults", async () => {
    const child = sandboxAws([], {
      AWS_EMULATOR_FAULTS: '{"sqs:SendMessage":{"throttle":0.2}}',
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", () => {
        const found = /listening on (http:\/\/[\d.]+:\d+)/.exec(child.output());
        if (found?.[1]) resolve(found[1]);
      });
      child.once("exit", () => reject(new Error(`exited: ${child.output()}`)));
    });
    const res = await fetch(`${url}/_emulator/faults`);
    expect(await res.json()).toEqual({
      faults: { "sqs:SendMessage": { throttle: 0.2, injected: 0 } },
    });
  });

  it("refuses a bad --faults before listening, saying which key and what to fix", async () => {
    const child = sandboxAws([
      "--faults",
      '{"profiles:CreateDomain":{"code":"AccessDeniedException"},"kms:*":{"code":"AccessDeniedException","count":0}}',
    ]);
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(child.output()).toContain(
      '--faults (or AWS_EMULATOR_FAULTS): "profiles:CreateDomain": the key must be "service:Operation"',
    );
    expect(child.output()).toContain('"kms:*".count: must be a whole number of calls, 1 or more');
    expect(child.output()).not.toContain("listening");
  });
});
