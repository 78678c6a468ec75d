/**
 * The `/profiles enable` wizard end to end: signed requests from the Slack driver to the
 * bot, drafts and jobs in real Redis, AWS in the emulator. Each test asserts what Slack
 * shows and what AWS (or the provisioning queue) holds afterwards.
 */
import { randomUUID } from "node:crypto";
import { type Job, Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID } from "../../sandbox/aws/index.js";
import { LEGACY_KEY_ALIAS, LEGACY_QUEUE_NAME } from "../../sandbox/aws/seed.js";
import { findDomain, profileState } from "../../sandbox/aws/services/profiles.js";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { SlackDriver } from "../../sandbox/slack/driver.js";
import type { OptionObject, SlackView } from "../../sandbox/slack/types.js";
import type { Stack } from "../../sandbox/stack.js";
import { createAwsClients } from "../../src/aws/clients.js";
import { createGateways } from "../../src/aws/gateways.js";
import type { ProvisionJobData } from "../../src/provision/plan-to-job.js";
import { createRedis } from "../../src/redis.js";
import { waitForState } from "../provision/helpers.js";
import { startTestStack } from "../support/e2e.js";
import { waitForView as waitForViewOf } from "../support/enable.js";

const USER = "U0ADMIN";
const OTHER = "U0AGENT";
const CHANNEL = "C0OPS";
const EXAMPLECORP = "5f1c2a9e-3b7d-4c1e-9a2f-1d6b8e4c7a01";
const LEGACY_SUPPORT = "8d3e6b2c-7a41-4f5e-b0c9-2e7f9a1d3c52";
const CREATING = "c7a9e0f4-1b2d-4e6a-8c3f-9b5d7e2a4f13";
const LEGACY_DOMAIN = "amazon-connect-legacy";

let stack: Stack;
let driver: SlackDriver;
let queue: Queue;
let connection: ReturnType<typeof createRedis>;

beforeAll(async () => {
  stack = await startTestStack({ env: { PROFILES_ADMINS: `${USER},${OTHER}` } });
  driver = stack.slack.driver;
  connection = createRedis(stack.config, "worker");
  queue = new Queue("provision", { connection, prefix: stack.config.redis.prefix });
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await stack?.stop();
});

// ---------------------------------------------------------------------------------------------
// helpers

const view = (user = USER): SlackView => {
  const v = stack.slack.timeline.currentView(user);
  if (!v) throw new Error(`${user} has no modal open:\n${stack.slack.timeline.describe()}`);
  return v;
};

const textOf = (v: SlackView | undefined): string => (v ? renderText(v.blocks) : "");

const waitForView = (
  callbackId: string,
  ready?: (text: string, v: SlackView) => boolean,
  user = USER,
): Promise<SlackView> => waitForViewOf(stack, user, callbackId, ready);

/** Nothing changed the modal for this long: the bot's updates for the last click have landed. */
const SETTLE_MS = 250;

/**
 * Like waitForView, for a step the bot shows with views.update after a click. A background
 * refresh of an earlier step may land a moment before that update (a look-up slower than a
 * submission can wait for, whose views.update can't carry a hash,
 * src/slack/views/enable/refresh.ts), and the bot then corrects it. So this waits until the
 * modal is that step and stays unchanged for SETTLE_MS.
 */
async function waitForSettledView(
  callbackId: string,
  ready: (text: string, v: SlackView) => boolean = () => true,
  user = USER,
): Promise<SlackView> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const shown = await waitForView(callbackId, ready, user);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (stack.slack.timeline.currentView(user)?.hash === shown.hash) return shown;
    if (Date.now() > deadline) {
      throw new Error(`the ${callbackId} view kept changing:\n${stack.slack.timeline.describe()}`);
    }
  }
}

const inputValue = (v: SlackView, blockId: string): unknown => {
  const block = v.blocks.find((b) => b.block_id === blockId);
  return block?.element?.initial_value ?? block?.element?.initial_option?.value;
};

async function openWizard(user = USER): Promise<void> {
  const res = await driver.type("/profiles enable", { user });
  expect(res.status).toBe(200);
  expect(res.elapsedMs).toBeLessThan(3000);
  await waitForView("enable_instance", () => true, user);
}

async function pickInstance(id: string, user = USER): Promise<OptionObject> {
  const res = await driver.requestOptions("enable_instance", "", { user });
  expect(res.problems).toEqual([]);
  const picked = res.options.find((o) => o.value === id);
  if (!picked) throw new Error(`no option ${id}: ${JSON.stringify(res.options)}`);
  await driver.select("enable_instance", picked, { user });
  return picked;
}

async function submit(inputs: Parameters<SlackDriver["submitView"]>[0] = {}, user = USER) {
  const res = await driver.submitView(inputs, { user });
  expect(res.problems).toEqual([]);
  expect(res.elapsedMs).toBeLessThan(3000);
  return res;
}

/** Instance → domain → DLQ → key with the defaults, up to the review with its plan shown. */
async function throughDefaults(instanceId: string, user = USER): Promise<SlackView> {
  await openWizard(user);
  await pickInstance(instanceId, user);
  // Next waits for the link check ("Checking which … it is linked to…" is still looking).
  await waitForView("enable_instance", (t) => /Not linked|Linked to domain/.test(t), user);
  expect((await submit({}, user)).responseAction).toBe("update");
  expect((await submit({}, user)).responseAction).toBe("update");
  expect((await submit({}, user)).responseAction).toBe("update");
  expect((await submit({}, user)).responseAction).toBe("update");
  return waitForView("enable_review", (_t, v) => Boolean(v.submit), user);
}

const jobOf = async (instanceId: string) =>
  (await queue.getJob(`enable-${ACCOUNT_ID}.us-east-1.${instanceId}`)) as
    | Job<ProvisionJobData>
    | undefined;

/** A fresh ACTIVE, unlinked instance, so a test's job never meets another test's. */
function addInstance(alias: string): string {
  const id = randomUUID();
  const instances = (
    stack.emulator.ctx.state.connect as { instances: Record<string, Record<string, unknown>> }
  ).instances;
  const template = instances[EXAMPLECORP] ?? {};
  instances[id] = { ...template, id, alias, arn: String(template.arn).replace(EXAMPLECORP, id) };
  return id;
}

const instanceArnOf = (id: string): string =>
  String(
    (stack.emulator.ctx.state.connect as { instances: Record<string, { arn?: string }> }).instances[
      id
    ]?.arn,
  );

/** A fresh ACTIVE instance linked to the existing `domain`, as the console would link it. */
function addLinkedInstance(alias: string, domain: string): string {
  const id = addInstance(alias);
  const linked = findDomain(stack.emulator.ctx.state, domain);
  if (!linked) throw new Error(`no domain ${domain}`);
  const now = Date.now();
  linked.integrations.push({
    uri: instanceArnOf(id),
    objectTypeName: "CTR",
    tags: {},
    createdAt: now,
    lastUpdatedAt: now,
  });
  return id;
}

/** The domains an instance is linked to, as the emulator holds them. */
const domainsLinkedTo = (id: string): string[] =>
  Object.values(profileState(stack.emulator.ctx.state).domains)
    .filter((d) => d.integrations.some((i) => i.uri.endsWith(`instance/${id}`)))
    .map((d) => d.name);

const calls = (operation: string): number => stack.emulator.calls.get(operation) ?? 0;

const awsCounts = () => {
  const state = stack.emulator.ctx.state;
  return {
    queues: Object.keys(state.sqs.queues).length,
    keys: Object.keys(state.kms.keys).length,
    aliases: Object.keys(state.kms.aliases).length,
    domains: Object.keys(profileState(state).domains).length,
  };
};

afterEach(async () => {
  // A modal left open by a failed test must not confuse the next one.
  for (const user of [USER, OTHER]) stack.slack.workspace.clearViews(user, "user");
});

// ---------------------------------------------------------------------------------------------

describe("the instance step", () => {
  it("opens at once and lists instances with alias, id and status; only ACTIVE ones pass", async () => {
    const before = awsCounts();
    await openWizard();
    const first = view();
    expect(first.private_metadata).toMatch(/^[0-9a-f-]{36}$/);
    const res = await driver.requestOptions("enable_instance", "");
    expect(res.problems).toEqual([]);
    const texts = res.options.map((o) => o.text.text);
    expect(texts.find((t: string) => t.includes(EXAMPLECORP))).toMatch(
      /^examplecorp · .* · ACTIVE$/,
    );
    expect(texts.find((t: string) => t.includes(CREATING.slice(0, 8)))).toMatch(
      /CREATION_IN_PROGRESS, can't be chosen/,
    );
    // Searching narrows the list.
    const searched = await driver.requestOptions("enable_instance", "legacy");
    expect(searched.options.map((o) => o.value)).toEqual([LEGACY_SUPPORT]);

    await pickInstance(CREATING);
    const refused = await submit();
    expect(refused.responseAction).toBe("errors");
    expect(refused.errors?.instance).toMatch(/CREATION_IN_PROGRESS: only an ACTIVE instance/);
    expect(awsCounts()).toEqual(before);
  });

  it("shows the domain the chosen instance is linked to now", async () => {
    await openWizard();
    await pickInstance(LEGACY_SUPPORT);
    const v = await waitForView("enable_instance", (t) => t.includes("Linked to domain"));
    expect(textOf(v)).toContain(LEGACY_DOMAIN);
    await pickInstance(EXAMPLECORP);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
  });
});

describe("the full wizard", () => {
  it("creates a new domain with a new queue and key, and links the instance", async () => {
    await openWizard();
    await pickInstance(EXAMPLECORP);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    await submit();
    const domainStep = view();
    expect(domainStep.callback_id).toBe("enable_domain");
    expect(inputValue(domainStep, "domain_name")).toBe("amazon-connect-examplecorp");
    expect(inputValue(domainStep, "domain_days")).toBe("366");
    await submit();
    expect(view().callback_id).toBe("enable_dlq");
    expect(inputValue(view(), "dlq_name")).toBe("amazon-connect-examplecorp-dlq");
    await submit();
    expect(view().callback_id).toBe("enable_key");
    expect(inputValue(view(), "key_alias")).toBe("alias/amazon-connect-examplecorp");
    await submit({ key_description: "Profiles for examplecorp" });
    const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
    const text = textOf(review);
    expect(review.submit?.text).toBe("Enable");
    expect(text).toContain("amazon-connect-examplecorp-dlq");
    expect(text).toContain("alias/amazon-connect-examplecorp");
    expect(text).toContain('"Sid": "CustomerProfilesDLQ"');
    expect(text).toContain('"Sid": "CustomerProfilesKey"');
    expect(text).toContain("aws:SourceArn");
    expect(text).toContain("aws:SourceAccount");
    // Nothing exists before Enable.
    expect(findDomain(stack.emulator.ctx.state, "amazon-connect-examplecorp")).toBeUndefined();

    const done = await submit();
    expect(done.responseAction).toBe("clear");
    expect(stack.slack.timeline.currentView(USER)).toBeUndefined();

    const job = await jobOf(EXAMPLECORP);
    expect(job?.data.requestedBy).toBe(USER);
    expect(job?.data.channelId).toBe(CHANNEL);
    expect(job?.data.request).toMatchObject({
      instance: { id: EXAMPLECORP, alias: "examplecorp" },
      domain: { mode: "new", name: "amazon-connect-examplecorp", expirationDays: 366 },
      dlq: { mode: "new", name: "amazon-connect-examplecorp-dlq" },
      key: {
        mode: "new",
        alias: "alias/amazon-connect-examplecorp",
        description: "Profiles for examplecorp",
      },
      confirmRelink: false,
    });

    // The worker runs it; the status message in the channel ends with the summary.
    await stack.slack.timeline.waitFor(
      (t) =>
        t
          .messages(CHANNEL)
          .find(
            (m) =>
              /amazon-connect-examplecorp/.test(renderText(m.blocks, m.text)) &&
              /complete|Completed|enabled/i.test(renderText(m.blocks, m.text)),
          ),
      { timeoutMs: 20_000, description: "the completed status message" },
    );
    const statusMessages = stack.slack.timeline
      .messages(CHANNEL)
      .filter((m) => renderText(m.blocks, m.text).includes("amazon-connect-examplecorp"));
    expect(statusMessages).toHaveLength(1);

    const state = stack.emulator.ctx.state;
    const domain = findDomain(state, "amazon-connect-examplecorp");
    expect(domain?.defaultExpirationDays).toBe(366);
    const dlq = state.sqs.queues["amazon-connect-examplecorp-dlq"];
    expect(dlq).toBeDefined();
    expect(domain?.deadLetterQueueUrl).toContain("amazon-connect-examplecorp-dlq");
    expect(dlq?.attributes.Policy).toContain("CustomerProfilesDLQ");
    const alias = state.kms.aliases["alias/amazon-connect-examplecorp"];
    const key = alias?.targetKeyId ? state.kms.keys[alias.targetKeyId] : undefined;
    expect(key?.description).toContain("Profiles for examplecorp");
    expect(key?.policy).toContain("CustomerProfilesKey");
    expect(domain?.defaultEncryptionKey).toBe(key?.arn);
    expect(domain?.integrations.map((i) => i.uri)).toEqual([
      expect.stringContaining(`instance/${EXAMPLECORP}`),
    ]);
  });
});

describe("a step's look-up", () => {
  /** The views.update calls the bot has made so far. */
  const updates = () => stack.slack.timeline.callsTo("views.update").length;

  it("is waited for by Next, so the answer shows the step complete and nothing redraws it", async () => {
    await openWizard();
    await pickInstance(addInstance("lookupfirst"));
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    for (let i = 0; i < 3; i++) await submit();
    expect(view().callback_id).toBe("enable_key");
    const before = updates();
    await submit();
    // The answer itself is the review with its plan (it needs the facts read from AWS).
    const review = view();
    expect(review.callback_id).toBe("enable_review");
    expect(review.submit?.text).toBe("Enable");
    expect(textOf(review)).toContain('"Sid": "CustomerProfilesKey"');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(updates()).toBe(before);
    expect(view().hash).toBe(review.hash);
  });

  it("slower than Slack's 3 seconds allow, is answered as loading and shown when it comes", async () => {
    await openWizard();
    await pickInstance(addInstance("lookuplater"));
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    for (let i = 0; i < 3; i++) await submit();
    const options = stack.emulator.ctx.options;
    options.latencyMs = 2_500;
    try {
      const answered = await submit(); // within 3 s: submit() checks it
      expect(answered.responseAction).toBe("update");
      expect(view().callback_id).toBe("enable_review");
      expect(view().submit).toBeFalsy();
      expect(textOf(view())).toContain("Checking AWS");
      const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
      expect(review.submit?.text).toBe("Enable");
    } finally {
      options.latencyMs = 0;
    }
  });
});

describe("bad input", () => {
  it("refuses every invalid field with a sentence next to it and creates nothing", async () => {
    const before = awsCounts();
    const id = addInstance("badinput");
    await openWizard();
    await pickInstance(id);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    await submit();
    await waitForView("enable_domain", (t) => /checked against the \d+ domain/.test(t));

    const cases: [Record<string, string>, string, RegExp][] = [
      [{ domain_name: "my domain" }, "domain_name", /contains a space/],
      [{ domain_name: "x".repeat(65) }, "domain_name", /65 characters long/],
      [{ domain_name: LEGACY_DOMAIN }, "domain_name", /already exists/],
      [{ domain_days: "0" }, "domain_days", /from 1 to 1098.*out of range/],
      [{ domain_days: "1099" }, "domain_days", /out of range/],
      [{ domain_days: "a year" }, "domain_days", /not a whole number/],
    ];
    for (const [inputs, field, message] of cases) {
      const res = await submit({
        domain_name: "amazon-connect-badinput",
        domain_days: "366",
        ...inputs,
      });
      expect(res.responseAction, JSON.stringify(inputs)).toBe("errors");
      expect(res.errors?.[field]).toMatch(message);
      expect(view().callback_id).toBe("enable_domain");
    }
    await submit({ domain_name: "amazon-connect-badinput", domain_days: "30" });
    expect(view().callback_id).toBe("enable_dlq");

    for (const [name, message] of [
      ["dlq.fifo", /standard queue, not a FIFO/],
      ["dead letters", /contains a space/],
      ["q".repeat(81), /81 characters long/],
    ] as const) {
      const res = await submit({ dlq_name: name });
      expect(res.responseAction).toBe("errors");
      expect(res.errors?.dlq_name).toMatch(message);
    }
    await submit({ dlq_name: "badinput-dlq" });
    expect(view().callback_id).toBe("enable_key");

    for (const [alias, message] of [
      ["alias/aws/mine", /AWS reserves it/],
      ["alias/my key", /contains a space/],
      ["alias/", /Enter an alias name/],
    ] as const) {
      const res = await submit({ key_alias: alias });
      expect(res.responseAction).toBe("errors");
      expect(res.errors?.key_alias).toMatch(message);
    }
    expect(view().callback_id).toBe("enable_key");
    expect(awsCounts()).toEqual(before);
    expect(await jobOf(id)).toBeUndefined();
  });
});

describe("existing queue and key", () => {
  it("offers to merge the queue policy, and blocks on a key policy that lacks the statement", async () => {
    const before = awsCounts();
    const id = addInstance("existing-things");
    await openWizard();
    await pickInstance(id);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    await submit();
    await submit();
    expect(view().callback_id).toBe("enable_dlq");

    // Existing queue: its policy is read and found lacking.
    await driver.select("enable_dlq_mode", "existing");
    await waitForView("enable_dlq", (_t, v) => v.blocks.some((b) => b.block_id === "dlq_queue"));
    const queues = await driver.requestOptions("enable_dlq_queue", "legacy");
    expect(queues.problems).toEqual([]);
    const legacyQueue = queues.options.find((o) => o.value === LEGACY_QUEUE_NAME);
    expect(legacyQueue).toBeDefined();
    await driver.select("enable_dlq_queue", legacyQueue as OptionObject);
    const lacking = await waitForView("enable_dlq", (t) =>
      t.includes("doesn't let Customer Profiles"),
    );
    expect(textOf(lacking)).toContain('"Sid": "CustomerProfilesDLQ"');
    const mergeBlock = lacking.blocks.find((b) => b.block_id === "dlq_merge");
    expect(mergeBlock?.label?.text).toBe(
      "Merge the Customer Profiles statement into this queue's policy (keeps every other statement)",
    );
    const unticked = await submit();
    expect(unticked.responseAction).toBe("errors");
    expect(unticked.errors?.dlq_merge).toMatch(/tick the box to merge/);
    await submit({ dlq_merge: ["merge"] });
    expect(view().callback_id).toBe("enable_key");

    // Existing key whose policy lacks the statement.
    await driver.select("enable_key_mode", "existing");
    await waitForView("enable_key", (_t, v) => v.blocks.some((b) => b.block_id === "key_existing"));
    const keys = await driver.requestOptions("enable_key_existing", "legacy");
    const legacyKey = keys.options.find((o) => o.text.text.startsWith(LEGACY_KEY_ALIAS));
    expect(legacyKey, JSON.stringify(keys.options)).toBeDefined();
    await driver.select("enable_key_existing", legacyKey as OptionObject);
    const keyLacking = await waitForView("enable_key", (t) => t.includes("Send this statement"));
    expect(textOf(keyLacking)).toContain('"Sid": "CustomerProfilesKey"');
    expect(textOf(keyLacking)).toContain("kms:GenerateDataKey");
    await submit();

    const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
    const text = textOf(review);
    expect(review.submit?.text).toBe("Check again");
    expect(text).toContain("Blocked");
    expect(text).toMatch(/policy doesn't let Customer Profiles use it/);
    expect(text).toContain('"Sid": "CustomerProfilesKey"');
    expect(text).toContain(`domains/amazon-connect-existing-things`);
    // The queue merge is planned, keeping the statement already there.
    expect(text).toMatch(/keeping its 1 other statement/);

    // Enable is refused while blocked: it only checks again.
    const blocked = await submit();
    expect(blocked.responseAction).toBe("update");
    await waitForView("enable_review", (t, v) => Boolean(v.submit) && t.includes("Blocked"));
    expect(await jobOf(id)).toBeUndefined();

    // Going back and allowing the update unblocks it.
    await driver.clickButton("enable_back");
    await waitForView("enable_key", (t) => t.includes("Send this statement"));
    await submit({ key_update: ["update"] });
    const ready = await waitForView("enable_review", (_t, v) => v.submit?.text === "Enable");
    expect(textOf(ready)).toMatch(/will change key .*policy/);
    expect(awsCounts()).toEqual(before);
  });
});

/**
 * From the DLQ step for the seeded legacy domain (no queue, a key AWS owns): both steps offer
 * to keep what the domain has, both are kept, and the review uses the domain as it is.
 */
async function keepLegacyQueueAndKey() {
  const dlq = await waitForSettledView("enable_dlq", (t) =>
    t.includes("has no dead-letter queue now"),
  );
  expect(inputValue(dlq, "dlq_mode")).toBe("keep");
  await submit();
  const key = await waitForSettledView("enable_key", (t) =>
    t.includes("is encrypted with a key AWS owns now"),
  );
  expect(inputValue(key, "key_mode")).toBe("keep");
  await submit();

  const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
  const text = textOf(review);
  expect(review.submit?.text).toBe("Enable");
  expect(text).toContain(`Use domain ${LEGACY_DOMAIN} as it is.`);
  return { dlq, review, text };
}

describe("an instance already linked to a domain", () => {
  it("starts at that domain, keeping its queue and key, and the job neither updates nor relinks", async () => {
    const before = ["UpdateDomain", "PutIntegration", "DeleteIntegration"].map((op) =>
      calls(`profile:${op}`),
    );
    await openWizard();
    await pickInstance(LEGACY_SUPPORT);
    await waitForView("enable_instance", (t) => t.includes("Linked to domain"));
    await submit();
    const domainStep = view();
    expect(domainStep.callback_id).toBe("enable_domain");
    expect(inputValue(domainStep, "domain_mode")).toBe("existing");
    expect(inputValue(domainStep, "domain_existing")).toBe(LEGACY_DOMAIN);
    expect(textOf(domainStep)).toContain(
      `*${LEGACY_DOMAIN}* is pre-selected because the instance is linked to it`,
    );
    await submit();
    const { review, text } = await keepLegacyQueueAndKey();
    expect(text).not.toMatch(/unlink|Update domain/i);
    expect(review.blocks.some((b) => b.block_id === "review_confirm")).toBe(false);

    expect((await submit()).responseAction).toBe("clear");
    const job = await waitForState(queue, `enable-${ACCOUNT_ID}.us-east-1.${LEGACY_SUPPORT}`, [
      "completed",
      "failed",
    ]);
    expect(job.failedReason).toBeUndefined();
    expect(job.data.request).toMatchObject({
      domain: { mode: "existing", name: LEGACY_DOMAIN },
      dlq: { mode: "keep" },
      key: { mode: "keep" },
      confirmRelink: false,
    });
    expect(
      ["UpdateDomain", "PutIntegration", "DeleteIntegration"].map((op) => calls(`profile:${op}`)),
    ).toEqual(before);
    expect(domainsLinkedTo(LEGACY_SUPPORT)).toEqual([LEGACY_DOMAIN]);
    expect(findDomain(stack.emulator.ctx.state, LEGACY_DOMAIN)?.profiles).not.toEqual({});
  });

  it("moves it to a new domain only when chosen and confirmed, its profiles staying behind", async () => {
    const id = addLinkedInstance("relinked", LEGACY_DOMAIN);
    await openWizard();
    await pickInstance(id);
    await waitForView("enable_instance", (t) => t.includes("Linked to domain"));
    await submit();
    expect(inputValue(view(), "domain_existing")).toBe(LEGACY_DOMAIN);
    await driver.select("enable_domain_mode", "new");
    const chosen = await waitForView("enable_domain", (_t, v) =>
      v.blocks.some((b) => b.block_id === "domain_name"),
    );
    expect(inputValue(chosen, "domain_name")).toBe("amazon-connect-relinked");
    expect(textOf(chosen)).toContain("This choice moves the instance without them");
    await submit();
    expect(inputValue(view(), "dlq_mode")).toBe("new");
    await submit();
    expect(inputValue(view(), "key_mode")).toBe("new");
    await submit();
    const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
    const confirm = review.blocks.find((b) => b.block_id === "review_confirm");
    expect(confirm?.label?.text).toMatch(
      /linked to domain amazon-connect-legacy.*will not move to the new domain/,
    );
    expect(JSON.stringify(confirm)).toContain("its profiles will not move to the new domain");
    // How many stay behind, from GetDomain's Stats of the seeded domain (3 CRM contacts).
    expect(textOf(review)).toMatch(
      /its 3 profiles stay in amazon-connect-legacy and will not move to amazon-connect-relinked/,
    );

    const refused = await submit();
    expect(refused.responseAction).toBe("errors");
    expect(refused.errors?.review_confirm).toMatch(/Tick the box .*profiles will not move/);
    expect(await jobOf(id)).toBeUndefined();

    const done = await submit({ review_confirm: ["relink"] });
    expect(done.responseAction).toBe("clear");
    const job = await jobOf(id);
    expect(job?.data.request.confirmRelink).toBe(true);
    expect(job?.data.request.domain.name).toBe("amazon-connect-relinked");

    await stack.slack.timeline
      .waitFor(
        () => {
          const linkedTo = domainsLinkedTo(id);
          return linkedTo.length === 1 && linkedTo[0] === "amazon-connect-relinked";
        },
        { timeoutMs: 20_000, description: "the instance linked to the new domain only" },
      )
      .catch(async () => {
        // waitFor re-checks on Slack changes; the job's message edits are those changes.
        throw new Error(`job state: ${await (await jobOf(id))?.getState()}`);
      });
    expect(findDomain(stack.emulator.ctx.state, LEGACY_DOMAIN)).toBeDefined();
  });
});

describe("Back", () => {
  it("returns to the previous step with what was typed", async () => {
    const id = addInstance("goingback");
    await openWizard();
    await pickInstance(id);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    await submit();
    await submit({ domain_name: "amazon-connect-custom", domain_days: "90" });
    // The queue's default follows the typed domain name.
    expect(inputValue(view(), "dlq_name")).toBe("amazon-connect-custom-dlq");

    await driver.clickButton("enable_back");
    const domain = await waitForSettledView("enable_domain");
    expect(inputValue(domain, "domain_name")).toBe("amazon-connect-custom");
    expect(inputValue(domain, "domain_days")).toBe("90");
    await submit();

    // Typed but not submitted: Back still keeps it.
    driver.fillView({ dlq_name: "typed-before-back" });
    await driver.clickButton("enable_back");
    await waitForSettledView("enable_domain");
    await submit();
    expect(inputValue(view(), "dlq_name")).toBe("typed-before-back");

    await driver.clickButton("enable_back");
    await waitForSettledView("enable_domain");
    await driver.clickButton("enable_back");
    const first = await waitForSettledView("enable_instance", (t) => t.includes("Not linked"));
    expect(inputValue(first, "instance")).toBe(id);
  });
});

describe("one job per instance", () => {
  it("starts one job when two people enable the same instance at once", async () => {
    const id = addInstance("twice");
    await throughDefaults(id, USER);
    await throughDefaults(id, OTHER);
    const [a, b] = await Promise.all([submit({}, USER), submit({}, OTHER)]);
    const actions = [a.responseAction, b.responseAction].sort();
    expect(actions).toEqual(["clear", "update"]);
    const loser = a.responseAction === "update" ? USER : OTHER;
    const told = textOf(stack.slack.timeline.currentView(loser));
    const job = await jobOf(id);
    expect(told).toMatch(/already being enabled|enabled Customer Profiles/);
    // renderText shows a <@U…> mention as @U….
    expect(told).toContain(`@${job?.data.requestedBy} started it`);

    expect((await jobOf(id))?.data.submissionId).toBe(job?.data.submissionId);
    await stack.slack.timeline.waitFor(
      () => findDomain(stack.emulator.ctx.state, "amazon-connect-twice")?.integrations.length === 1,
      { timeoutMs: 20_000, description: "the domain linked" },
    );
    const state = stack.emulator.ctx.state;
    expect(
      Object.keys(state.sqs.queues).filter((n) => n === "amazon-connect-twice-dlq"),
    ).toHaveLength(1);
    expect(
      Object.keys(state.kms.aliases).filter((n) => n === "alias/amazon-connect-twice"),
    ).toHaveLength(1);
  });
});

describe("pressing Enable twice", () => {
  it("starts one job; the second press is told it is already running", async () => {
    const id = addInstance("doubleclick");
    await throughDefaults(id);
    // Two submissions of the same form, as a double click or Slack's retry sends them.
    const [a, b] = await Promise.all([driver.submitView({}), driver.submitView({})]);
    const answers = [a, b].map((r) => (r.body as { response_action?: string }).response_action);
    expect(answers.sort()).toEqual(["clear", "update"]);
    const second = [a, b].find(
      (r) => (r.body as { response_action?: string }).response_action === "update",
    );
    const shown = (second?.body as { view?: SlackView } | undefined)?.view;
    expect(textOf(shown)).toContain(`@${USER} started it`);
    const job = await jobOf(id);
    expect(job?.data.requestedBy).toBe(USER);
    await stack.slack.timeline.waitFor(
      () =>
        findDomain(stack.emulator.ctx.state, "amazon-connect-doubleclick")?.integrations.length ===
        1,
      { timeoutMs: 20_000, description: "the domain linked" },
    );
    const messages = stack.slack.timeline
      .messages(CHANNEL)
      .filter((m) => renderText(m.blocks, m.text).includes("amazon-connect-doubleclick"));
    expect(messages).toHaveLength(1);
  });
});

describe("when the modal can't open", () => {
  it("tells the user through response_url when the trigger expired", async () => {
    stack.slack.failNext("views.open", "expired_trigger_id");
    const posts = stack.slack.timeline.responseUrlPosts.length;
    const res = await driver.type("/profiles enable");
    expect(res.status).toBe(200);
    const told = await stack.slack.timeline.waitFor(
      (t) => t.ephemerals(USER).find((e) => e.text.includes("expired")),
      { description: "the ephemeral about the expired trigger" },
    );
    expect(told.text).toContain("run `/profiles enable` again");
    expect(told.via).toBe("response_url");
    expect(stack.slack.timeline.responseUrlPosts.length).toBe(posts + 1);
    expect(stack.slack.timeline.currentView(USER)).toBeUndefined();
  });

  it("tells the user when Slack rate limits views.open", async () => {
    stack.slack.setRateLimit("views.open", { every: 1, retryAfter: 5 });
    try {
      await driver.type("/profiles enable");
      const told = await stack.slack.timeline.waitFor(
        (t) => t.ephemerals(USER).find((e) => e.text.includes("rate limiting")),
        { description: "the ephemeral about the rate limit", timeoutMs: 6000 },
      );
      expect(told.text).toContain("run `/profiles enable` again");
    } finally {
      stack.slack.setRateLimit("views.open", undefined);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// An existing domain that holds profiles, and a key someone else administers

describe("an existing domain and keys someone else runs", () => {
  const updateDomainCalls = () => stack.emulator.calls.get("profile:UpdateDomain") ?? 0;
  /** Read back through the SDK, as anyone with the account's credentials would see it. */
  const sdkDomain = () =>
    createGateways(
      createAwsClients({
        region: "us-east-1",
        endpoint: stack.emulator.url,
        maxAttempts: 1,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      }),
    ).profiles.getDomain(LEGACY_DOMAIN);

  /** A fresh instance through to the DLQ step, on the seeded domain that holds 3 profiles. */
  async function toLegacyDomainDlqStep(alias: string): Promise<string> {
    const id = addInstance(alias);
    await openWizard();
    await pickInstance(id);
    await waitForView("enable_instance", (t) => t.includes("Not linked"));
    await submit();
    await driver.select("enable_domain_mode", "existing");
    await waitForView("enable_domain", (_t, v) =>
      v.blocks.some((b) => b.block_id === "domain_existing"),
    );
    const domains = await driver.requestOptions("enable_domain_existing", "legacy");
    const legacy = domains.options.find((o) => o.value === LEGACY_DOMAIN);
    await driver.select("enable_domain_existing", legacy as OptionObject);
    expect((await submit()).responseAction).toBe("update");
    return id;
  }

  const finished = async (id: string) => {
    const job = await waitForState(queue, `enable-${ACCOUNT_ID}.us-east-1.${id}`, [
      "completed",
      "failed",
    ]);
    expect(job.failedReason).toBeUndefined();
    return job as Job<ProvisionJobData>;
  };

  it("keeps the domain's queue and key by default, and the job changes nothing on the domain", async () => {
    const id = await toLegacyDomainDlqStep("keeps-everything");
    const { dlq, text } = await keepLegacyQueueAndKey();
    expect(textOf(dlq)).toContain("Keep the domain's current queue");
    expect(text).toContain("Keep encrypting the domain with the key AWS owns");
    expect(text).not.toMatch(/Update domain|re-encrypt/);

    const before = updateDomainCalls();
    expect((await submit()).responseAction).toBe("clear");
    const job = await finished(id);
    expect(job.data.request).toMatchObject({ dlq: { mode: "keep" }, key: { mode: "keep" } });
    expect(updateDomainCalls()).toBe(before);
    const domain = await sdkDomain();
    expect(domain?.encryptionKey).toBeUndefined();
    expect(domain?.deadLetterQueueUrl).toBeUndefined();
    expect(domain?.stats.profileCount).toBe(3);
  });

  it("blocks a new key for the populated domain until re-encryption is confirmed, then re-points it", async () => {
    const id = await toLegacyDomainDlqStep("rekeys");
    await waitForSettledView("enable_dlq", (t) => t.includes("has no dead-letter queue now"));
    await submit();
    await waitForSettledView("enable_key", (t) =>
      t.includes("is encrypted with a key AWS owns now"),
    );
    await driver.select("enable_key_mode", "new");
    const newKey = await waitForView("enable_key", (t) => t.includes("holds 3 profiles"));
    expect(inputValue(newKey, "key_alias")).toBe(`alias/${LEGACY_DOMAIN}`);
    await submit();

    const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
    const text = textOf(review);
    // Only the box blocks, so Enable is offered; the warning says what the tick means.
    expect(review.submit?.text).toBe("Enable");
    expect(text).toMatch(/holds 3 profiles, stored encrypted with a key AWS owns/);
    expect(text).toContain("re-encrypting all of them");
    const box = review.blocks.find((b) => b.block_id === "review_reencrypt");
    expect(box?.label?.text).toMatch(/Change the key of amazon-connect-legacy: its 3 profiles/);

    const before = updateDomainCalls();
    const refused = await submit();
    expect(refused.responseAction).toBe("errors");
    expect(refused.errors?.review_reencrypt).toMatch(/Tick the box to change the key/);
    expect(await jobOf(id)).toBeUndefined();

    expect((await submit({ review_reencrypt: ["reencrypt"] })).responseAction).toBe("clear");
    const job = await finished(id);
    expect(job.data.request.confirmReencrypt).toBe(true);
    expect(updateDomainCalls()).toBe(before + 1);
    const alias = stack.emulator.ctx.state.kms.aliases[`alias/${LEGACY_DOMAIN}`];
    const created = stack.emulator.ctx.state.kms.keys[alias?.targetKeyId ?? ""];
    expect(created?.arn).toBeDefined();
    expect((await sdkDomain())?.encryptionKey).toBe(created?.arn);
  });

  it("blocks a key whose policy the bot can't read until the statement is confirmed, then completes", async () => {
    stack.emulator.faults.set({ "kms:GetKeyPolicy": { code: "AccessDeniedException" } });
    try {
      const id = addInstance("otherteamkey");
      await openWizard();
      await pickInstance(id);
      await waitForView("enable_instance", (t) => t.includes("Not linked"));
      await submit();
      await submit();
      await submit();
      await driver.select("enable_key_mode", "existing");
      await waitForView("enable_key", (_t, v) =>
        v.blocks.some((b) => b.block_id === "key_existing"),
      );
      const keys = await driver.requestOptions("enable_key_existing", "legacy");
      const legacyKey = keys.options.find((o) => o.text.text.startsWith(LEGACY_KEY_ALIAS));
      await driver.select("enable_key_existing", legacyKey as OptionObject);
      const unreadable = await waitForView("enable_key", (t) =>
        t.includes("can't read its key policy"),
      );
      expect(textOf(unreadable)).toContain('"Sid": "CustomerProfilesKey"');
      // Updating a policy it can't read is not offered.
      expect(unreadable.blocks.some((b) => b.block_id === "key_update")).toBe(false);
      await submit();

      const review = await waitForView("enable_review", (_t, v) => Boolean(v.submit));
      expect(review.submit?.text).toBe("Enable");
      expect(textOf(review)).toMatch(/can't read key .*kms:GetKeyPolicy/);
      expect(textOf(review)).toContain('"Sid": "CustomerProfilesKey"');
      const box = review.blocks.find((b) => b.block_id === "review_key_statement");
      expect(box?.label?.text).toMatch(
        new RegExp(`CustomerProfilesKey statement shown to the policy of key ${LEGACY_KEY_ALIAS}`),
      );
      const refused = await submit();
      expect(refused.responseAction).toBe("errors");
      expect(refused.errors?.review_key_statement).toMatch(
        /Tick the box once the key's administrator/,
      );
      expect(await jobOf(id)).toBeUndefined();

      expect((await submit({ review_key_statement: ["added"] })).responseAction).toBe("clear");
      const job = await finished(id);
      expect(job.data.request.key).toMatchObject({ mode: "existing", confirmedStatement: true });
      const domain = findDomain(stack.emulator.ctx.state, "amazon-connect-otherteamkey");
      expect(domain?.defaultEncryptionKey).toContain(":key/");
    } finally {
      stack.emulator.faults.clear();
    }
  });
});
