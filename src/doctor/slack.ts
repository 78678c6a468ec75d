/**
 * The Slack token's scopes against the bot scopes manifest.yml asks for. Slack names a
 * token's scopes in the `x-oauth-scopes` header of every Web API answer; the WebClient
 * hands them over as `response_metadata.scopes` of auth.test.
 */
import { type CheckResult, result } from "./report.js";
import { BOT_SCOPES } from "./requirements.js";

const REINSTALL =
  "add them to oauth_config.scopes.bot of the app's manifest (manifest.yml lists them), then reinstall the app to the workspace and use the new bot token.";

/** `granted` undefined: Slack answered without naming the scopes. */
export function scopesCheck(granted: readonly string[] | undefined): CheckResult {
  const needed = Object.keys(BOT_SCOPES);
  if (granted === undefined) {
    return result("slack-scopes", "warn", "Slack did not say which scopes the bot token has.", {
      fix: `check by hand that the app has the bot scopes ${needed.join(", ")} (api.slack.com/apps → OAuth & Permissions).`,
      details: { needed },
    });
  }
  const have = new Set(granted);
  const missing = needed.filter((s) => !have.has(s));
  if (missing.length > 0) {
    return result(
      "slack-scopes",
      "fail",
      `the bot token lacks ${missing.map((s) => `${s} (${BOT_SCOPES[s]})`).join(", ")}.`,
      { fix: REINSTALL, details: { missing, granted: [...granted] } },
    );
  }
  return result("slack-scopes", "ok", `the bot token has all ${needed.length} bot scopes.`, {
    details: { granted: [...granted] },
  });
}

export const noSlackToken = (): CheckResult =>
  result("slack-scopes", "skip", "no Slack bot token is configured.", {
    fix: "set SLACK_BOT_TOKEN (and SLACK_API_URL for a stand-in) to check its scopes.",
  });
