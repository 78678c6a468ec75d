import { describe, expect, it } from "vitest";
import {
  readMrkdwn,
  renderText,
  startSlackStandIn,
  validateBlocks,
  validateView,
} from "../../sandbox/slack/index.js";

describe("renderText", () => {
  it("reads blocks as a person would", () => {
    const text = renderText([
      { type: "header", text: { type: "plain_text", text: "Domains" } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*amazon-connect-acme* in <https://console.aws.amazon.com|the console>",
        },
        fields: [
          { type: "mrkdwn", text: "*Profiles*\n1,204" },
          { type: "mrkdwn", text: "*DLQ*\n3 waiting" },
        ],
        accessory: {
          type: "button",
          action_id: "open",
          text: { type: "plain_text", text: "Open" },
        },
      },
      { type: "divider" },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: "by <@U0ADMIN>" },
          { type: "plain_text", text: "2 min ago" },
        ],
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: "a",
            text: { type: "plain_text", text: "Re-ingest" },
            style: "primary",
          },
          {
            type: "static_select",
            action_id: "b",
            placeholder: { type: "plain_text", text: "Region" },
            options: [{ text: { type: "plain_text", text: "eu-west-2" }, value: "eu-west-2" }],
          },
        ],
      },
    ]);
    expect(text).toBe(
      [
        "# Domains",
        "*amazon-connect-acme* in the console",
        "*Profiles*\n1,204\n*DLQ*\n3 waiting",
        "[Open]",
        "---",
        "by @U0ADMIN · 2 min ago",
        "[Re-ingest] [Region ▾]",
      ].join("\n"),
    );
  });

  it("falls back to the message text and decodes entities", () => {
    expect(renderText(undefined, "a &lt;b&gt; &amp; <#C0OPS|contact-centre-ops>")).toBe(
      "a <b> & #contact-centre-ops",
    );
    expect(readMrkdwn("<!subteam^S0ADMINS|@admins> <!here>")).toBe("@admins @here");
  });
});

describe("validation", () => {
  it("accepts what Slack accepts", () => {
    expect(
      validateBlocks([{ type: "section", text: { type: "mrkdwn", text: "ok" } }], "message"),
    ).toEqual([]);
    expect(
      validateView({
        type: "modal",
        title: { type: "plain_text", text: "x".repeat(24) },
        submit: { type: "plain_text", text: "Go" },
        blocks: [
          {
            type: "input",
            label: { type: "plain_text", text: "Name" },
            element: { type: "plain_text_input" },
          },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses a modal with inputs but no submit, and unknown block types", () => {
    const noSubmit = validateView({
      type: "modal",
      title: { type: "plain_text", text: "t" },
      blocks: [
        {
          type: "input",
          label: { type: "plain_text", text: "Name" },
          element: { type: "plain_text_input" },
        },
      ],
    });
    expect(noSubmit.map((p) => p.pointer)).toContain("/view/submit");
    expect(validateBlocks([{ type: "sectoin" }], "message")[0]?.message).toMatch(
      /unknown block type/,
    );
  });
});

describe("driver without a bot", () => {
  it("says which URL it could not reach", async () => {
    const slack = await startSlackStandIn();
    try {
      const driver = slack.createDriver({
        botUrl: "http://127.0.0.1:9/slack/events",
        signingSecret: "s",
      });
      await expect(driver.slashCommand("/profiles", "help")).rejects.toThrow(
        /Could not reach the bot at http:\/\/127\.0\.0\.1:9/,
      );
    } finally {
      await slack.close();
    }
  });
});
