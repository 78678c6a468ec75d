/**
 * The entry table and the subcommand list, as the guard reads them: every button the bot
 * renders is answered and has a permission, no id is listed twice for the same kind, and
 * anything unlisted needs the admin role.
 */
import { describe, expect, it } from "vitest";
import { REQUIRED_ROLE } from "../../src/access/roles.js";
import { readAlertsArgs } from "../../src/slack/commands/alerts.js";
import { SUBCOMMANDS } from "../../src/slack/commands/index.js";
import { ruleBook } from "../../src/slack/middleware/guard.js";
import * as digest from "../../src/slack/render/digest.js";
import * as home from "../../src/slack/render/home.js";
import * as provision from "../../src/slack/render/provision.js";
import { ENTRIES } from "../../src/slack/table.js";

const lookUp = ruleBook({ subcommands: SUBCOMMANDS, rules: ENTRIES });

describe("the entry table", () => {
  it("answers every action id the digest, App Home and provisioning messages render", () => {
    const rendered = [
      digest.DLQ_REINGEST_ACTION,
      digest.DLQ_REINGEST_ONE_ACTION,
      digest.DLQ_INSPECT_ACTION,
      digest.DLQ_DISCARD_ACTION,
      digest.DLQ_MUTE_ACTION,
      home.HOME_REFRESH_ACTION,
      home.HOME_SCAN_ACTION,
      provision.RETRY_ACTION,
      provision.CLEANUP_ACTION,
      provision.CHECK_LINK_ACTION,
    ];
    const actions = ENTRIES.filter((e) => e.kind === "action").map((e) => e.id);
    for (const id of rendered) expect(actions).toContain(id);
  });

  it("lists each id once per kind", () => {
    const keys = ENTRIES.map((r) => `${r.kind}:${r.id}`);
    expect(keys.length).toBe(new Set(keys).size);
  });

  it("gives the roles the bot has always asked for", () => {
    const role = (id: string) => {
      const { permission } = lookUp({ kind: "action", id });
      return permission === "public" ? "anyone" : REQUIRED_ROLE[permission];
    };
    const roles = Object.fromEntries(
      ENTRIES.filter((e) => e.kind === "action").map((e) => [e.id, role(e.id)]),
    );
    expect(roles).toMatchObject({
      provision_retry: "admin",
      provision_cleanup: "admin",
      provision_check_link: "admin",
      dlq_reingest: "operator",
      dlq_reingest_one: "operator",
      dlq_inspect: "operator",
      dlq_discard: "admin",
      dlq_mute: "admin",
      home_refresh: "anyone",
      home_scan_now: "operator",
    });
    // The wizard's buttons and selects, like `/profiles enable` itself.
    const wizard = Object.entries(roles).filter(([id]) => id.startsWith("enable_"));
    expect(wizard.length).toBeGreaterThan(0);
    for (const [id, needed] of wizard) expect([id, needed]).toEqual([id, "admin"]);
  });

  it("needs the admin role for an id it does not list, or one listed for another kind", () => {
    expect(lookUp({ kind: "action", id: "new_button" })).toEqual({
      permission: "settings",
      audited: true,
    });
    expect(lookUp({ kind: "view", id: digest.DLQ_REINGEST_ACTION }).permission).toBe("settings");
    expect(REQUIRED_ROLE.settings).toBe("admin");
  });
});

describe("the subcommand list", () => {
  it("names a permission for every subcommand, help being public", () => {
    expect(Object.fromEntries(SUBCOMMANDS.map((s) => [s.name, s.permission]))).toEqual({
      status: "status",
      alerts: "settings",
      audit: "audit",
      enable: "enable",
      doctor: "doctor",
      help: "public",
    });
    for (const s of SUBCOMMANDS) {
      expect(lookUp({ kind: "command", id: s.name }).permission).toBe(s.permission);
    }
  });

  it("lets anyone send a name that is not a subcommand, which only shows the list", () => {
    expect(lookUp({ kind: "command", id: "nonsense" }).permission).toBe("public");
  });
});

describe("/profiles alerts arguments", () => {
  it("binds to this channel by default, to a named one, or turns off", () => {
    expect(readAlertsArgs(["orders"], "C0HERE")).toEqual({
      domain: "orders",
      channelId: "C0HERE",
      off: false,
    });
    expect(readAlertsArgs(["orders", "<#C0OPS|ops>"], "C0HERE")).toMatchObject({
      channelId: "C0OPS",
    });
    expect(readAlertsArgs(["orders", "OFF"], "C0HERE")).toMatchObject({ off: true });
  });

  it("refuses a missing domain, extra words, a bad name and a channel it can't read", () => {
    expect(readAlertsArgs([], "C0HERE")).toMatchObject({
      refusal: expect.stringMatching(/^Usage/),
    });
    expect(readAlertsArgs(["a", "b", "c"], "C0HERE")).toHaveProperty("refusal");
    expect(readAlertsArgs(["not/a/domain"], "C0HERE")).toMatchObject({
      refusal: expect.stringContaining("letters, digits, hyphens or underscores"),
    });
    expect(readAlertsArgs(["orders", "#ops"], "C0HERE")).toMatchObject({
      refusal: expect.stringContaining("can't tell which channel `#ops` is"),
    });
  });
});
