import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SlackStandIn, startSlackStandIn } from "../../sandbox/slack/index.js";
import { quietLogger } from "./helpers.js";

const { ErrorCode, WebClient } = webApi;
type WebClient = InstanceType<typeof WebClient>;
const TOKEN = "xoxb-sandbox";

/** The error code of a failed WebClient call (the client throws on ok:false). */
async function errorOf(call: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  try {
    await call;
  } catch (err) {
    const data = (err as { data?: { error: string; response_metadata?: { messages?: string[] } } })
      .data;
    return { error: data?.error ?? String(err), messages: data?.response_metadata?.messages ?? [] };
  }
  throw new Error("the call succeeded; expected an error");
}

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const button = (over: Record<string, unknown> = {}) => ({
  type: "button",
  text: { type: "plain_text", text: "Go" },
  action_id: "go",
  ...over,
});
const option = (text: string, value = text) => ({ text: { type: "plain_text", text }, value });
const modal = (over: Record<string, unknown> = {}) => ({
  type: "modal",
  title: { type: "plain_text", text: "Enable profiles" },
  close: { type: "plain_text", text: "Cancel" },
  blocks: [section("hello")],
  ...over,
});

describe("Slack Web API stand-in with Bolt's WebClient", () => {
  let slack: SlackStandIn;
  let client: WebClient;

  beforeAll(async () => {
    slack = await startSlackStandIn({ usergroups: { S0ADMINS: ["U0ADMIN"] } });
    client = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger,
    });
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => {
    slack.timeline.clear();
  });

  it("answers auth.test like Slack", async () => {
    expect(slack.apiUrl.endsWith("/api/")).toBe(true);
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      team_id: "T0SANDBOX",
      user_id: "U0BOT",
      bot_id: "B0BOT",
    });
    expect(res.url).toMatch(/^https:\/\//);
  });

  it("requires a token and reports unknown methods", async () => {
    const anonymous = new WebClient(undefined, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger,
    });
    expect(
      (await errorOf(anonymous.chat.postMessage({ channel: "C0OPS", text: "hi" }))).error,
    ).toBe("not_authed");
    expect((await errorOf(client.apiCall("profiles.fly"))).error).toBe("unknown_method");
    const strict = await startSlackStandIn({ tokens: ["xoxb-right"] });
    try {
      const wrong = new WebClient("xoxb-wrong", {
        slackApiUrl: strict.apiUrl,
        retryConfig: { retries: 0 },
        logger: quietLogger,
      });
      expect((await errorOf(wrong.auth.test())).error).toBe("invalid_auth");
    } finally {
      await strict.close();
    }
  });

  it("posts, updates and threads messages with increasing ts", async () => {
    const first = await client.chat.postMessage({
      channel: "C0OPS",
      text: "Provisioning",
      blocks: [section("*Step 1* of 3")],
    });
    const second = await client.chat.postMessage({ channel: "C0OPS", text: "second" });
    expect(first.channel).toBe("C0OPS");
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));

    const reply = await client.chat.postMessage({
      channel: "C0OPS",
      thread_ts: first.ts as string,
      text: "domain created",
    });
    await client.chat.update({
      channel: "C0OPS",
      ts: first.ts as string,
      text: "Done",
      blocks: [section("*Done*")],
    });

    const tl = slack.timeline;
    expect(tl.messages("C0OPS").map((m) => m.text)).toEqual(["Done", "second"]);
    expect(tl.thread("C0OPS", first.ts as string).map((m) => m.ts)).toEqual([reply.ts]);
    const parent = tl.message("C0OPS", first.ts as string);
    expect(parent?.history.map((v) => v.text)).toEqual(["Provisioning"]);
    expect(tl.findMessage((m) => m.text === "Done")?.blocks?.[0]?.block_id).toBeTruthy();

    expect(
      (await errorOf(client.chat.update({ channel: "C0OPS", ts: "1.000001", text: "x" }))).error,
    ).toBe("message_not_found");
    expect((await errorOf(client.chat.postMessage({ channel: "C0OPS", text: "" }))).error).toBe(
      "no_text",
    );
  });

  it("records ephemerals per user and can't update them", async () => {
    const res = await client.chat.postEphemeral({
      channel: "C0OPS",
      user: "U0ADMIN",
      text: "only you",
    });
    expect(slack.timeline.ephemerals("U0ADMIN").map((e) => e.text)).toEqual(["only you"]);
    expect(slack.timeline.ephemerals("U0AGENT")).toEqual([]);
    expect(
      (
        await errorOf(
          client.chat.update({ channel: "C0OPS", ts: res.message_ts as string, text: "x" }),
        )
      ).error,
    ).toBe("message_not_found");
  });

  it("answers users.info, usergroups.users.list and conversations.info", async () => {
    const user = await client.users.info({ user: "U0ADMIN" });
    expect(user.user).toMatchObject({ id: "U0ADMIN", name: "sandbox-admin", is_admin: true });
    expect((await errorOf(client.users.info({ user: "U0NOBODY" }))).error).toBe("user_not_found");
    expect((await client.usergroups.users.list({ usergroup: "S0ADMINS" })).users).toEqual([
      "U0ADMIN",
    ]);
    expect((await errorOf(client.usergroups.users.list({ usergroup: "S0NONE" }))).error).toBe(
      "no_such_subteam",
    );
    slack.setUsergroup("S0ADMINS", ["U0ADMIN", "U0AGENT"]);
    expect((await client.usergroups.users.list({ usergroup: "S0ADMINS" })).users).toHaveLength(2);
    expect((await client.conversations.info({ channel: "C0OPS" })).channel).toMatchObject({
      name: "contact-centre-ops",
    });
  });

  describe("rejects Block Kit past Slack's limits", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => section(`block ${i}`));
    const opts = (n: number) => Array.from({ length: n }, (_, i) => option(`o${i}`));
    const select = (over: Record<string, unknown>) => ({
      type: "section",
      text: { type: "mrkdwn", text: "pick" },
      accessory: { type: "static_select", action_id: "pick", options: [option("a")], ...over },
    });
    const cases: [string, unknown[], RegExp][] = [
      ["more than 50 blocks", many(51), /at most 50 blocks/],
      ["section text over 3000", [section("x".repeat(3001))], /at most 3000/],
      [
        "button value over 2000",
        [{ type: "actions", elements: [button({ value: "v".repeat(2001) })] }],
        /button value/,
      ],
      [
        "action_id over 255",
        [{ type: "actions", elements: [button({ action_id: "a".repeat(256) })] }],
        /action_id/,
      ],
      ["block_id over 255", [{ ...section("x"), block_id: "b".repeat(256) }], /block_id/],
      ["option text over 75", [select({ options: [option("t".repeat(76), "v")] })], /option text/],
      [
        "option value over 75",
        [select({ options: [option("t", "v".repeat(76))] })],
        /option value/,
      ],
      ["static_select over 100 options", [select({ options: opts(101) })], /at most 100 options/],
      [
        "duplicate block_id",
        [
          { ...section("a"), block_id: "same" },
          { ...section("b"), block_id: "same" },
        ],
        /duplicate/,
      ],
      [
        "initial_option not among options",
        [select({ initial_option: option("zzz") })],
        /initial option/,
      ],
    ];
    it.each(cases)("%s → invalid_blocks", async (_name, blocks, why) => {
      const err = await errorOf(
        client.chat.postMessage({ channel: "C0OPS", text: "t", blocks: blocks as never }),
      );
      expect(err.error).toBe("invalid_blocks");
      expect(err.messages.join("\n")).toMatch(why);
      expect(err.messages[0]).toMatch(/\[json-pointer:\/blocks/);
    });

    it("accepts 50 blocks, 3000 chars and 100 options", async () => {
      await client.chat.postMessage({ channel: "C0OPS", text: "t", blocks: many(50) as never });
      await client.chat.postMessage({
        channel: "C0OPS",
        text: "t",
        blocks: [section("x".repeat(3000)), select({ options: opts(100) })] as never,
      });
      expect(slack.timeline.messages("C0OPS")).toHaveLength(2);
    });

    const viewCases: [string, Record<string, unknown>, RegExp][] = [
      ["more than 100 blocks", modal({ blocks: many(101) }), /at most 100 blocks/],
      ["title over 24", modal({ title: { type: "plain_text", text: "t".repeat(25) } }), /title/],
      ["submit over 24", modal({ submit: { type: "plain_text", text: "s".repeat(25) } }), /submit/],
      ["close over 24", modal({ close: { type: "plain_text", text: "c".repeat(25) } }), /close/],
      [
        "private_metadata over 3000",
        modal({ private_metadata: "m".repeat(3001) }),
        /private_metadata/,
      ],
    ];
    it.each(viewCases)("modal with %s is refused with a json-pointer", async (_name, view, why) => {
      const trigger = slack.workspace.issueTrigger("U0ADMIN");
      const err = await errorOf(client.views.open({ trigger_id: trigger, view: view as never }));
      // Slack answers views.* with invalid_arguments; the messages say which limit.
      expect(err.error).toBe("invalid_arguments");
      expect(err.messages.join("\n")).toMatch(why);
      expect(err.messages.join("\n")).toMatch(/json-pointer:\/view/);
      expect(slack.timeline.currentView("U0ADMIN")).toBeUndefined();
    });

    it("home tabs allow 100 blocks, not 101", async () => {
      await client.views.publish({
        user_id: "U0ADMIN",
        view: { type: "home", blocks: many(100) as never },
      });
      const err = await errorOf(
        client.views.publish({
          user_id: "U0ADMIN",
          view: { type: "home", blocks: many(101) as never },
        }),
      );
      expect(err.error).toBe("invalid_arguments");
      expect(slack.timeline.home("U0ADMIN")?.blocks).toHaveLength(100);
    });
  });

  describe("modals", () => {
    it("opens with a fresh trigger_id once, and refuses unknown ones", async () => {
      const trigger = slack.workspace.issueTrigger("U0ADMIN");
      const opened = await client.views.open({
        trigger_id: trigger,
        view: modal({ callback_id: "enable" }) as never,
      });
      expect(opened.view).toMatchObject({ type: "modal", callback_id: "enable" });
      expect(opened.view?.id).toMatch(/^V/);
      expect(opened.view?.hash).toBeTruthy();
      expect(slack.timeline.currentView("U0ADMIN")?.id).toBe(opened.view?.id);

      expect(
        (await errorOf(client.views.open({ trigger_id: trigger, view: modal() as never }))).error,
      ).toBe("expired_trigger_id");
      expect(
        (await errorOf(client.views.open({ trigger_id: "123.456.nope", view: modal() as never })))
          .error,
      ).toBe("invalid_trigger_id");
    });

    it("refuses a trigger_id older than 3 s", async () => {
      let clock = 1_700_000_000_000;
      const slow = await startSlackStandIn({ now: () => clock });
      try {
        const c = new WebClient(TOKEN, {
          slackApiUrl: slow.apiUrl,
          retryConfig: { retries: 0 },
          logger: quietLogger,
        });
        const trigger = slow.workspace.issueTrigger("U0ADMIN");
        clock += 3001;
        expect(
          (await errorOf(c.views.open({ trigger_id: trigger, view: modal() as never }))).error,
        ).toBe("expired_trigger_id");
        const fresh = slow.workspace.issueTrigger("U0ADMIN");
        clock += 2999;
        await c.views.open({ trigger_id: fresh, view: modal() as never });
      } finally {
        await slow.close();
      }
    });

    it("updates by view_id or external_id and detects hash conflicts", async () => {
      const opened = await client.views.open({
        trigger_id: slack.workspace.issueTrigger("U0ADMIN"),
        view: modal({ external_id: "enable-1" }) as never,
      });
      const id = opened.view?.id as string;
      const first = await client.views.update({
        view_id: id,
        hash: opened.view?.hash as string,
        view: modal({ blocks: [section("loading done")] }) as never,
      });
      expect(first.view?.id).toBe(id);
      expect(first.view?.hash).not.toBe(opened.view?.hash);
      expect(
        (
          await errorOf(
            client.views.update({
              view_id: id,
              hash: opened.view?.hash as string,
              view: modal() as never,
            }),
          )
        ).error,
      ).toBe("hash_conflict");
      await client.views.update({
        external_id: "enable-1",
        view: modal({ blocks: [section("by external id")] }) as never,
      });
      expect(slack.timeline.currentView("U0ADMIN")?.blocks[0]?.text.text).toBe("by external id");
      expect(
        (await errorOf(client.views.update({ view_id: "V0MISSING", view: modal() as never })))
          .error,
      ).toBe("not_found");
    });

    it("keeps a stack of at most 3 views", async () => {
      await client.views.open({
        trigger_id: slack.workspace.issueTrigger("U0ADMIN"),
        view: modal() as never,
      });
      await client.views.push({
        trigger_id: slack.workspace.issueTrigger("U0ADMIN"),
        view: modal() as never,
      });
      await client.views.push({
        trigger_id: slack.workspace.issueTrigger("U0ADMIN"),
        view: modal() as never,
      });
      const err = await errorOf(
        client.views.push({
          trigger_id: slack.workspace.issueTrigger("U0ADMIN"),
          view: modal() as never,
        }),
      );
      expect(err.error).toBe("push_limit_reached");
      const stack = slack.timeline.viewStack("U0ADMIN");
      expect(stack).toHaveLength(3);
      expect(stack[2]?.previous_view_id).toBe(stack[1]?.id);
      expect(stack[2]?.root_view_id).toBe(stack[0]?.id);
    });
  });

  it("answers 429 with Retry-After when a rate limit is configured, and stops when it is lifted", async () => {
    const limited = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logger: quietLogger,
    });
    slack.setRateLimit("chat.postMessage", { every: 2, retryAfter: 7 });
    await limited.chat.postMessage({ channel: "C0OPS", text: "one" });
    const err = await limited.chat
      .postMessage({ channel: "C0OPS", text: "two" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });

    const raw = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0OPS", text: "three" }),
    });
    expect(raw.status).toBe(200); // third call: not a multiple of 2
    slack.setRateLimit("chat.postMessage", { every: 1, retryAfter: 3 });
    const limitedRaw = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0OPS", text: "four" }),
    });
    expect(limitedRaw.status).toBe(429);
    expect(limitedRaw.headers.get("retry-after")).toBe("3");
    expect(await limitedRaw.json()).toEqual({ ok: false, error: "ratelimited" });

    slack.setRateLimit("chat.postMessage", undefined);
    await limited.chat.postMessage({ channel: "C0OPS", text: "five" });
    expect(slack.timeline.messages("C0OPS").map((m) => m.text)).toEqual(["one", "three", "five"]);
    expect(
      slack.timeline.callsTo("chat.postMessage").filter((c) => c.error === "ratelimited"),
    ).toHaveLength(2);
  });

  it("fails the next call on request (failNext)", async () => {
    slack.failNext("chat.postMessage", "channel_not_found");
    expect((await errorOf(client.chat.postMessage({ channel: "C0OPS", text: "x" }))).error).toBe(
      "channel_not_found",
    );
    await client.chat.postMessage({ channel: "C0OPS", text: "y" });
  });

  it("honours a response_url five times, then refuses it", async () => {
    const url = slack.workspace.issueResponseUrl({ user: "U0ADMIN", channel: "C0OPS" });
    const post = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ text: "private" })).status).toBe(200);
    expect((await post({ text: "public", response_type: "in_channel" })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await post({ text: `again ${i}` })).status).toBe(200);
    const sixth = await post({ text: "too many" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toMatchObject({ ok: false, error: "used_url" });

    expect(slack.timeline.ephemerals("U0ADMIN").map((e) => e.text)).toEqual([
      "private",
      "again 0",
      "again 1",
      "again 2",
    ]);
    expect(slack.timeline.messages("C0OPS").map((m) => m.text)).toEqual(["public"]);
    expect(slack.timeline.responseUrlPosts.map((p) => p.ok)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("expires a response_url after 30 minutes", async () => {
    let clock = 1_700_000_000_000;
    const timed = await startSlackStandIn({ now: () => clock });
    try {
      const url = timed.workspace.issueResponseUrl({ user: "U0ADMIN", channel: "C0OPS" });
      clock += 30 * 60 * 1000 + 1;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"text":"late"}',
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "expired_url" });
    } finally {
      await timed.close();
    }
  });

  it("rate-limits a seeded fraction of calls reproducibly", async () => {
    const run = async () => {
      const s = await startSlackStandIn({
        seed: 42,
        rateLimit: { "chat.update": { fraction: 0.5, retryAfter: 1 } },
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
          const r = await fetch(`${s.apiUrl}chat.update`, {
            method: "POST",
            headers: { authorization: "Bearer x" },
          });
          statuses.push(r.status);
        }
        return statuses;
      } finally {
        await s.close();
      }
    };
    const first = await run();
    expect(first).toContain(429);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });

  it("replaces and deletes the original message through a response_url", async () => {
    const posted = await client.chat.postMessage({
      channel: "C0OPS",
      text: "Enable?",
      blocks: [section("Enable?")],
    });
    const url = slack.workspace.issueResponseUrl({
      user: "U0ADMIN",
      channel: "C0OPS",
      messageTs: posted.ts as string,
    });
    const post = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await post({ replace_original: true, text: "Enabling…" });
    const m = slack.timeline.message("C0OPS", posted.ts as string);
    expect(m?.text).toBe("Enabling…");
    expect(m?.blocks).toEqual([]);
    await post({ delete_original: true });
    expect(slack.timeline.messages("C0OPS")).toEqual([]);
  });

  it("waitFor resolves on change and explains a timeout", async () => {
    const waiting = slack.timeline.waitFor((t) => t.findMessage((m) => m.text === "later"));
    setTimeout(() => void client.chat.postMessage({ channel: "C0OPS", text: "later" }), 20);
    expect((await waiting).text).toBe("later");
    await client.chat.postMessage({ channel: "C0OPS", text: "something else" });
    await expect(
      slack.timeline.waitFor((t) => t.findMessage((m) => m.text === "never"), {
        timeoutMs: 50,
        description: "a never",
      }),
    ).rejects.toThrow(/a never[\s\S]*something else/);
  });
});
