import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../sandbox/slack/driver.js";
import { type SlackStandIn, type SlackView, startSlackStandIn } from "../../sandbox/slack/index.js";

// The page's own endpoints: what it shows (rendered text, roles, the failures control) and
// what its controls do. No bot is needed for these.

let slack: SlackStandIn | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

const get = async (path: string) => fetch(`${slack?.url}${path}`);
const state = async (user = "U0ADMIN") =>
  (await (await get(`/_sandbox/state?user=${user}&channel=C0OPS`)).json()) as {
    users: { id: string; name: string; role: string | null }[];
    sandbox: { failures: boolean };
    messages: { html: string; blocks: { text?: { html: string; shown: string } }[] | null }[];
  };
const post = async (verb: string, body: Record<string, unknown>) =>
  (await (
    await fetch(`${slack?.url}/_sandbox/${verb}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
  ).json()) as { ok: boolean; error?: string; result?: Record<string, unknown> };

describe("the sandbox page's endpoints", () => {
  it("answers the browser's icon request instead of a 404", async () => {
    slack = await startSlackStandIn();
    const icon = await get("/favicon.ico");
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(await (await get("/")).text()).toContain('rel="icon" href="data:image/svg+xml,');
  });

  it("sends text rendered as Slack's client shows it, for the reader", async () => {
    slack = await startSlackStandIn();
    const when = Date.parse("2026-11-30T08:18:55Z") / 1000;
    const posted = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/json" },
      body: JSON.stringify({
        channel: "C0OPS",
        text: ":warning: &lt;fallback&gt;",
        blocks: [
          { type: "header", text: { type: "plain_text", text: ":lock: Locked" } },
          {
            type: "section",
            text: {
              type: "mrkdwn",
              text: `:x: <@U0ADMIN> in <#C0OPS> at <!date^${when}^{date_num}|x> &amp; *more*`,
            },
          },
        ],
      }),
    });
    expect(((await posted.json()) as { ok: boolean }).ok).toBe(true);
    const [m] = (await state()).messages;
    expect(m?.html).toBe("⚠️ &lt;fallback&gt;");
    expect(m?.blocks?.[0]?.text?.shown).toBe("🔒 Locked");
    expect(m?.blocks?.[1]?.text?.shown).toBe(
      "❌ @sandbox-admin in #contact-centre-ops at 2026-11-30 & *more*",
    );
    expect(m?.blocks?.[1]?.text?.html).toContain("<b>more</b>");
  });

  it("lists every user with their role, the sandbox's word winning over the user's", async () => {
    slack = await startSlackStandIn({
      users: [
        { id: "U0ADMIN", name: "sandbox-admin", role: "admin" },
        { id: "U0OPERATOR", name: "sandbox-operator", role: "viewer" },
        { id: "U0GUEST", name: "sandbox-guest" },
      ],
      sandbox: { roles: async () => ({ U0OPERATOR: "operator" }) },
    });
    expect((await state()).users).toEqual([
      { id: "U0ADMIN", name: "sandbox-admin", real_name: null, role: "admin" },
      { id: "U0OPERATOR", name: "sandbox-operator", real_name: null, role: "operator" },
      { id: "U0GUEST", name: "sandbox-guest", real_name: null, role: null },
    ]);
  });

  it("makes failures through the sandbox's hook, in a domain it knows, shown by its label", async () => {
    const asked: string[] = [];
    const EXAMPLECORP = {
      value: "111122223333.us-east-1.amazon-connect-examplecorp",
      label: "amazon-connect-examplecorp · sandbox (111122223333) · us-east-1",
    };
    const PARTNER = {
      value: "444455556666.eu-west-1.amazon-connect-examplecorp",
      label: "amazon-connect-examplecorp · partner (444455556666) · eu-west-1",
    };
    slack = await startSlackStandIn({
      sandbox: {
        domains: async () => [EXAMPLECORP, PARTNER],
        makeFailures: async (domain) => {
          asked.push(domain);
          return { sent: 5, classes: { throttled: 3, "too-large": 2 } };
        },
      },
    });
    expect((await state()).sandbox.failures).toBe(true);
    expect(await (await get("/_sandbox/domains")).json()).toEqual({
      ok: true,
      domains: [EXAMPLECORP, PARTNER],
    });
    // A bare name is not a choice when the same name is in two places.
    const unknown = await post("failures", { domain: "amazon-connect-examplecorp" });
    expect(unknown.error).toBe(
      `There is no domain "amazon-connect-examplecorp"; choose one of: ${EXAMPLECORP.label}, ${PARTNER.label}.`,
    );
    expect((await post("failures", {})).error).toBe("Choose a domain to put failures into.");
    expect(asked).toEqual([]);
    const made = await post("failures", { domain: PARTNER.value });
    expect(made.result).toEqual({
      domain: PARTNER.value,
      label: PARTNER.label,
      sent: 5,
      classes: { throttled: 3, "too-large": 2 },
    });
    expect(asked).toEqual([PARTNER.value]);
  });

  it("hides the failures control when the sandbox gives no hook", async () => {
    slack = await startSlackStandIn();
    expect((await state()).sandbox.failures).toBe(false);
    expect((await post("failures", { domain: "x" })).error).toBe(
      "This sandbox cannot make failures.",
    );
  });
});

describe("buildState", () => {
  const view = (values: SlackView["state"]["values"]): SlackView =>
    ({
      id: "V1",
      blocks: [
        {
          type: "input",
          block_id: "domain",
          label: { type: "plain_text", text: "Domain name" },
          element: {
            type: "plain_text_input",
            action_id: "enable_domain",
            initial_value: "amazon-connect-examplecorp",
          },
        },
      ],
      state: { values },
    }) as unknown as SlackView;

  it("drops an entry an earlier view left for another element type, and submits the default", () => {
    // Step 1 had an external select under the same ids; step 2 shows a text input there.
    const stale = view({
      domain: {
        enable_domain: {
          type: "external_select",
          selected_option: { text: { type: "plain_text", text: "x" }, value: "x" },
        },
      },
    });
    expect(buildState(stale, {})).toEqual({
      domain: {
        enable_domain: { type: "plain_text_input", value: "amazon-connect-examplecorp" },
      },
    });
    expect(buildState(stale, {}, false)).toEqual({ domain: {} });
  });
});
