import type { AddressInfo } from "node:net";
import { App, HTTPReceiver } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderText, type SlackStandIn, startSlackStandIn } from "../../sandbox/slack/index.js";
import { quietLogger } from "./helpers.js";

const SECRET = "sandbox-signing-secret";

const plain = (text: string) => ({ type: "plain_text" as const, text });
const option = (text: string, value = text) => ({ text: plain(text), value });

/** The modal the test bot opens: a text input, a static select, radios, checkboxes, an external select. */
const enableModal = {
  type: "modal" as const,
  callback_id: "enable",
  notify_on_close: true,
  title: plain("Enable profiles"),
  submit: plain("Enable"),
  close: plain("Cancel"),
  private_metadata: JSON.stringify({ channel: "C0OPS" }),
  blocks: [
    {
      type: "input",
      block_id: "name",
      label: plain("Domain name"),
      element: { type: "plain_text_input", action_id: "value", initial_value: "amazon-connect-" },
    },
    {
      type: "input",
      block_id: "region",
      label: plain("Region"),
      element: {
        type: "static_select",
        action_id: "pick",
        options: [option("eu-west-2"), option("us-east-1")],
      },
    },
    {
      type: "input",
      block_id: "expiry",
      label: plain("Keep profiles"),
      element: {
        type: "radio_buttons",
        action_id: "days",
        options: [option("1 year", "365"), option("3 years", "1098")],
        initial_option: option("1 year", "365"),
      },
    },
    {
      type: "input",
      block_id: "extras",
      optional: true,
      label: plain("Extras"),
      element: {
        type: "checkboxes",
        action_id: "opts",
        options: [option("Dead-letter queue", "dlq"), option("KMS key", "kms")],
      },
    },
    {
      type: "input",
      block_id: "instance",
      label: plain("Connect instance"),
      element: { type: "external_select", action_id: "instance", min_query_length: 0 },
    },
    {
      type: "actions",
      block_id: "tools",
      elements: [{ type: "button", action_id: "more", text: plain("More…") }],
    },
  ],
};

describe("driver against a real Bolt app", () => {
  let slack: SlackStandIn;
  let app: App;
  const seen: { submissions: Record<string, unknown>[]; closed: number; suggestions: string[] } = {
    submissions: [],
    closed: 0,
    suggestions: [],
  };

  /** How far the stand-in's clock runs ahead, so trigger expiry is tested without waiting 3 s. */
  let skewMs = 0;

  beforeAll(async () => {
    slack = await startSlackStandIn({ signingSecret: SECRET, now: () => Date.now() + skewMs });
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logger: quietLogger });
    app = new App({
      token: "xoxb-sandbox",
      receiver,
      logger: quietLogger,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });

    app.command("/profiles", async ({ command, ack, respond, say, client }) => {
      // Answers in the HTTP response itself, as the bot's help and refusals do.
      if (command.text.startsWith("echo "))
        return ack({ response_type: "ephemeral", text: `:wave: got ${command.text.slice(5)}` });
      if (command.text === "shout")
        return ack({ response_type: "in_channel", text: "*Everyone* sees this" });
      await ack();
      if (command.text === "help") {
        await respond({ text: "Usage: /profiles enable" });
      } else if (command.text === "announce") {
        const posted = await say({
          text: "Enabling profiles",
          blocks: [
            { type: "section", text: { type: "mrkdwn", text: "*Enabling* profiles" } },
            {
              type: "actions",
              elements: [
                { type: "button", action_id: "approve", text: plain("Approve"), value: "acme" },
              ],
            },
            {
              type: "actions",
              elements: [
                { type: "button", action_id: "approve", text: plain("Approve"), value: "other" },
              ],
            },
          ],
        });
        await say({ text: "step 1 done", thread_ts: posted.ts });
      } else if (command.text === "enable") {
        await client.views.open({ trigger_id: command.trigger_id, view: enableModal });
      } else if (command.text === "slow") {
        skewMs += 3001; // as if this handler had spent 3 s on AWS before opening the modal
        await client.views
          .open({ trigger_id: command.trigger_id, view: enableModal })
          .catch(async (err: { data?: { error?: string } }) => {
            await respond({ text: `failed: ${err.data?.error}` });
          });
      }
    });
    app.action({ action_id: "approve" }, async ({ ack, action, respond }) => {
      await ack();
      await respond({
        replace_original: true,
        text: `Approved ${(action as { value: string }).value}`,
      });
    });
    app.action("more", async ({ ack, body, client }) => {
      await ack();
      await client.views.push({
        trigger_id: (body as { trigger_id: string }).trigger_id,
        view: {
          type: "modal",
          title: plain("More"),
          blocks: [{ type: "section", text: plain("details") }],
        },
      });
    });
    app.options("instance", async ({ ack, options }) => {
      seen.suggestions.push(options.value);
      await ack({
        options: [
          option("prod-instance", "arn:aws:connect:eu-west-2:111122223333:instance/1"),
          option("test-instance", "arn:aws:connect:eu-west-2:111122223333:instance/2"),
        ].filter((o) => o.text.text.includes(options.value)),
      });
    });
    app.view("enable", async ({ ack, view }) => {
      const values = view.state.values;
      seen.submissions.push(values);
      const name = values.name?.value?.value ?? "";
      if (!/^[a-zA-Z0-9_-]+$/.test(name)) {
        await ack({ response_action: "errors", errors: { name: "Use letters, digits, - and _" } });
      } else if (name === "amazon-connect-update") {
        await ack({
          response_action: "update",
          view: {
            type: "modal",
            title: plain("Enabling…"),
            blocks: [{ type: "section", text: plain(`Creating ${name}`) }],
          },
        });
      } else {
        await ack();
      }
    });
    app.view({ callback_id: "enable", type: "view_closed" }, async ({ ack }) => {
      seen.closed += 1;
      await ack();
    });
    app.event("app_home_opened", async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: {
          type: "home",
          blocks: [
            { type: "header", text: plain("Customer Profiles") },
            { type: "section", text: { type: "mrkdwn", text: "2 domains" } },
          ],
        },
      });
    });

    const server = (await app.start(0)) as { address(): AddressInfo };
    slack.driver.configure({ botUrl: `http://127.0.0.1:${server.address().port}/slack/events` });
  });

  afterAll(async () => {
    await app.stop();
    await slack.close();
  });

  beforeEach(() => {
    slack.timeline.clear();
  });

  it("delivers a signed slash command whose respond() lands as an ephemeral", async () => {
    const res = await slack.driver.slashCommand("/profiles", "help");
    expect(res.status).toBe(200);
    const eph = await slack.timeline.waitFor((t) => t.ephemerals("U0ADMIN")[0]);
    expect(eph).toMatchObject({
      channel: "C0OPS",
      text: "Usage: /profiles enable",
      via: "response_url",
    });
  });

  it("lands say() in the channel and its thread", async () => {
    await slack.driver.type("/profiles announce");
    const parent = await slack.timeline.waitForMessage((m) => m.text === "Enabling profiles");
    const replies = await slack.timeline.waitFor((t) => {
      const r = t.thread("C0OPS", parent.ts);
      return r.length ? r : undefined;
    });
    expect(replies.map((r) => r.text)).toEqual(["step 1 done"]);
    expect(renderText(parent.blocks)).toBe("*Enabling* profiles\n[Approve]\n[Approve]");
  });

  it("clicks a button in a message by action_id and value; respond() replaces the message", async () => {
    await slack.driver.type("/profiles announce");
    const parent = await slack.timeline.waitForMessage((m) => m.text === "Enabling profiles");
    const res = await slack.driver.clickButton("approve", { value: "other" });
    expect(res.status).toBe(200);
    expect(res.surface).toBe("message");
    await slack.timeline.waitFor((t) => t.message("C0OPS", parent.ts)?.text === "Approved other");
    expect(slack.timeline.message("C0OPS", parent.ts)?.history.map((h) => h.text)).toEqual([
      "Enabling profiles",
    ]);
  });

  it("opens a modal with the command's trigger_id and shows it as the current view", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    const view = await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    expect(view.callback_id).toBe("enable");
    expect(view.title?.text).toBe("Enable profiles");
  });

  it("returns response_action errors and keeps the modal open", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    const res = await slack.driver.submitView({
      name: "bad name!",
      region: "eu-west-2",
      instance: { text: plain("prod-instance"), value: "arn:1" },
    });
    expect(res.status).toBe(200);
    expect(res.responseAction).toBe("errors");
    expect(res.errors).toEqual({ name: "Use letters, digits, - and _" });
    expect(res.problems).toEqual([]);
    expect(res.view?.callback_id).toBe("enable");
    expect(slack.timeline.stacks.get("U0ADMIN")?.[0]?.errors).toEqual({
      name: "Use letters, digits, - and _",
    });
  });

  it("builds state.values for every input kind and closes the modal on a bare ack", async () => {
    seen.submissions.length = 0;
    await slack.driver.slashCommand("/profiles", "enable");
    await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    const res = await slack.driver.submitView({
      name: "amazon-connect-acme",
      region: { pick: "us-east-1" },
      extras: ["dlq", "kms"],
      instance: "arn:aws:connect:eu-west-2:111122223333:instance/1",
    });
    expect(res.problems).toEqual([]);
    expect(res.view).toBeUndefined();
    const values = seen.submissions[0] as Record<string, Record<string, Record<string, unknown>>>;
    expect(values.name?.value).toEqual({ type: "plain_text_input", value: "amazon-connect-acme" });
    expect(values.region?.pick).toMatchObject({
      type: "static_select",
      selected_option: { value: "us-east-1" },
    });
    expect(values.expiry?.days).toMatchObject({
      type: "radio_buttons",
      selected_option: { value: "365" },
    });
    expect(
      ((values.extras?.opts?.selected_options ?? []) as { value: string }[]).map((o) => o.value),
    ).toEqual(["dlq", "kms"]);
    expect(values.instance?.instance).toMatchObject({
      type: "external_select",
      selected_option: { value: "arn:aws:connect:eu-west-2:111122223333:instance/1" },
    });
  });

  it("applies response_action update to the modal", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    const opened = await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    const res = await slack.driver.submitView({
      name: "amazon-connect-update",
      region: "eu-west-2",
      instance: "x",
    });
    expect(res.responseAction).toBe("update");
    expect(res.view?.id).toBe(opened.id);
    expect(renderText(res.view?.blocks)).toBe("Creating amazon-connect-update");
  });

  it("refuses to submit with a required input empty, as Slack's client does", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    await expect(slack.driver.submitView({ name: "ok" })).rejects.toThrow(
      /required input "region\/pick"/,
    );
    await expect(slack.driver.submitView({ nmae: "typo" })).rejects.toThrow(/no input "nmae"/);
  });

  it("asks the bot for external select options", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    const res = await slack.driver.requestOptions("instance", "prod");
    expect(res.status).toBe(200);
    expect(res.problems).toEqual([]);
    expect(res.options.map((o) => o.text.text)).toEqual(["prod-instance"]);
    expect(seen.suggestions.at(-1)).toBe("prod");
  });

  it("pushes a view from a button inside the modal, and closes with view_closed", async () => {
    await slack.driver.slashCommand("/profiles", "enable");
    await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
    const res = await slack.driver.clickButton("more");
    expect(res.surface).toBe("modal");
    await slack.timeline.waitFor((t) => t.viewStack("U0ADMIN").length === 2);
    expect(slack.timeline.currentView("U0ADMIN")?.title?.text).toBe("More");
    const closedBefore = seen.closed;
    const top = await slack.driver.closeView();
    expect(top.sent).toBe(false); // the pushed view did not ask for notify_on_close
    const bottom = await slack.driver.closeView();
    expect(bottom.sent).toBe(true);
    expect(bottom.status).toBe(200);
    expect(seen.closed).toBe(closedBefore + 1);
    expect(slack.timeline.currentView("U0ADMIN")).toBeUndefined();
  });

  it("publishes the App Home on app_home_opened", async () => {
    const res = await slack.driver.openAppHome();
    expect(res.status).toBe(200);
    const home = await slack.timeline.waitFor((t) => t.home("U0ADMIN"));
    expect(renderText(home.blocks)).toBe("# Customer Profiles\n2 domains");
  });

  it("a trigger_id used after 3 s is refused", async () => {
    await slack.driver.slashCommand("/profiles", "slow");
    const eph = await slack.timeline.waitFor((t) => t.ephemerals("U0ADMIN")[0]);
    expect(eph.text).toBe("failed: expired_trigger_id");
  });

  it("is rejected by Bolt when forged or stale", async () => {
    const forged = await slack.driver.slashCommand("/profiles", "help", { secret: "wrong" });
    expect(forged.status).toBe(401);
    const stale = await slack.driver.slashCommand("/profiles", "help", {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(stale.status).toBe(401);
    const future = await slack.driver.slashCommand("/profiles", "help", {
      timestamp: Math.floor(Date.now() / 1000) + 6 * 60,
    });
    expect(future.status).toBe(200);
    await slack.timeline.waitFor((t) => t.ephemerals("U0ADMIN").length === 1);
  });

  describe("sandbox web UI endpoints", () => {
    const ui = async (verb: string, body: Record<string, unknown>) => {
      const res = await fetch(`${slack.url}/_sandbox/${verb}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (await res.json()) as {
        ok: boolean;
        error?: string;
        result?: Record<string, unknown>;
      };
    };
    const state = async (user = "U0ADMIN") =>
      (await (await fetch(`${slack.url}/_sandbox/state?user=${user}&channel=C0OPS`)).json()) as {
        botConnected: boolean;
        messages: {
          plain: string;
          text: string;
          html: string;
          ephemeral: boolean;
          via: string;
        }[];
        stack: { view: { id: string }; errors: Record<string, string> | null }[];
        home: unknown;
      };

    it("shows a command's immediate answer, and sends #channel and @user as Slack's client does", async () => {
      const typed = await ui("command", {
        text: "/profiles echo #contact-centre-ops @sandbox-admin #nowhere",
      });
      expect(typed.ok).toBe(true);
      const [answer] = (await state()).messages;
      expect(answer).toMatchObject({
        text: ":wave: got <#C0OPS|contact-centre-ops> <@U0ADMIN> #nowhere",
        ephemeral: true,
        via: "command_response",
      });
      expect(answer?.html).toBe(
        '👋 got <a class="mention" data-channel="C0OPS">#contact-centre-ops</a> <a class="mention" data-user="U0ADMIN">@sandbox-admin</a> #nowhere',
      );
      // Only the person who typed it sees an ephemeral answer; in_channel is for everyone.
      expect((await state("U0AGENT")).messages).toEqual([]);
      await ui("command", { text: "/profiles shout" });
      expect((await state("U0AGENT")).messages.map((m) => [m.html, m.ephemeral])).toEqual([
        ["<b>Everyone</b> sees this", false],
      ]);
    });

    it("submits untouched inputs with their initial values, and keeps only entries in the view", async () => {
      await ui("command", { text: "/profiles enable" });
      await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
      expect((await ui("fill", { values: { region: { pick: "us-east-1" } } })).ok).toBe(true);
      const view = slack.timeline.currentView("U0ADMIN");
      expect(Object.keys(view?.state.values ?? {})).toEqual(["region"]);
      const before = seen.submissions.length;
      const sent = await ui("submit", {
        values: { instance: { instance: { text: plain("test-instance"), value: "arn:2" } } },
      });
      expect(sent.ok).toBe(true);
      expect(seen.submissions).toHaveLength(before + 1);
      expect(seen.submissions.at(-1)).toMatchObject({
        name: { value: { type: "plain_text_input", value: "amazon-connect-" } },
        region: { pick: { selected_option: { value: "us-east-1" } } },
        expiry: { days: { type: "radio_buttons", selected_option: { value: "365" } } },
        extras: { opts: { type: "checkboxes", selected_options: [] } },
        instance: { instance: { selected_option: { value: "arn:2" } } },
      });
    });

    it("names the input Slack's client marks when a required one is empty", async () => {
      await ui("command", { text: "/profiles enable" });
      await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
      const refused = (await ui("submit", { values: {} })) as {
        ok: boolean;
        field?: string;
        hint?: string;
      };
      expect(refused).toMatchObject({
        ok: false,
        field: "region",
        hint: "Please complete this required field.",
      });
    });

    it("serves a self-contained page whose script parses", async () => {
      const res = await fetch(`${slack.url}/`);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      const page = await res.text();
      // Nothing to fetch: no script or stylesheet by URL; the icon is a data: URI.
      expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/);
      const script = /<script>([\s\S]*)<\/script>/.exec(page)?.[1] ?? "";
      expect(script).toContain("/_sandbox/state");
      expect(() => new Function(script)).not.toThrow();
    });

    it("types a command, fills the modal, fetches options and submits, as a person would", async () => {
      expect((await state()).botConnected).toBe(true);
      expect((await ui("command", { text: "/profiles enable" })).ok).toBe(true);
      await slack.timeline.waitFor((t) => t.currentView("U0ADMIN"));
      const opts = await ui("options", {
        actionId: "instance",
        blockId: "instance",
        surface: "modal",
        query: "test",
      });
      expect(((opts.result?.options ?? []) as { value: string }[]).map((o) => o.value)).toEqual([
        "arn:aws:connect:eu-west-2:111122223333:instance/2",
      ]);
      const bad = await ui("submit", {
        values: { name: { value: "no spaces allowed" }, region: { pick: "eu-west-2" } },
      });
      expect(bad.error).toMatch(/required input "instance\/instance" is empty/);
      const errors = await ui("submit", {
        values: {
          name: { value: "no spaces allowed" },
          region: { pick: "eu-west-2" },
          instance: { instance: { text: plain("test-instance"), value: "arn:2" } },
        },
      });
      expect(errors.result?.responseAction).toBe("errors");
      expect((await state()).stack[0]?.errors).toEqual({ name: "Use letters, digits, - and _" });
      await ui("submit", {
        values: {
          name: { value: "amazon-connect-ok" },
          region: { pick: "eu-west-2" },
          instance: { instance: "arn:2" },
        },
      });
      expect((await state()).stack).toEqual([]);
    });

    it("sends the value the page showed when the bot edited the message after it was drawn", async () => {
      const buttons = (value: string) => [
        {
          type: "actions",
          block_id: "pick",
          elements: [{ type: "button", action_id: "approve", text: plain("Approve"), value }],
        },
      ];
      const posted = await app.client.chat.postMessage({
        channel: "C0OPS",
        text: "Digest",
        blocks: buttons("scan-1"),
      });
      const ts = posted.ts as string;
      // The page drew scan-1; the bot's next edit holds scan-2 by the time the person clicks.
      await app.client.chat.update({
        channel: "C0OPS",
        ts,
        text: "Digest",
        blocks: buttons("scan-2"),
      });
      const click = await ui("click", {
        actionId: "approve",
        blockId: "pick",
        value: "scan-1",
        surface: "message",
        channel: "C0OPS",
        ts,
      });
      expect(click.ok).toBe(true);
      await slack.timeline.waitFor((t) => t.message("C0OPS", ts)?.text === "Approved scan-1");
      // A value the message never had in a block it doesn't have is still no element.
      const stray = await ui("click", {
        actionId: "approve",
        blockId: "elsewhere",
        value: "scan-1",
        surface: "message",
        channel: "C0OPS",
        ts,
      });
      expect(stray.ok).toBe(false);
    });

    it("clicks message buttons and opens the App Home", async () => {
      await ui("command", { text: "/profiles announce" });
      const parent = await slack.timeline.waitForMessage((m) => m.text === "Enabling profiles");
      const click = await ui("click", {
        actionId: "approve",
        value: "acme",
        surface: "message",
        channel: "C0OPS",
        ts: parent.ts,
      });
      expect(click.ok).toBe(true);
      await slack.timeline.waitFor((t) => t.message("C0OPS", parent.ts)?.text === "Approved acme");
      expect((await state()).messages[0]?.plain).toBe("Approved acme");
      await ui("home", {});
      await slack.timeline.waitFor((t) => t.home("U0ADMIN"));
      expect((await state()).home).toBeTruthy();
      expect((await ui("command", { text: "profiles help" })).error).toMatch(/starts with \//);
    });
  });
});
