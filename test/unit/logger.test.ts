import { describe, expect, it } from "vitest";
import { capture } from "./capture-log.js";

const REDACTED = "[redacted]";

/** The one line logged, parsed: no line at all, or more than one, fails here. */
function onlyLine(lines: string[]): Record<string, unknown> {
  const parsed = lines.join("").trim().split("\n").filter(Boolean);
  expect(parsed).toHaveLength(1);
  return JSON.parse(parsed[0] as string);
}

describe("logger", () => {
  it("logs the line with its other fields and redacts secrets in known fields", () => {
    const { lines, log } = capture();
    log.info(
      {
        slack: {
          botToken: "xoxb-111-222-secret",
          signingSecret: "abc123",
          apiUrl: "http://127.0.0.1:3100/api/",
        },
        aws: { region: "eu-west-2", secretAccessKey: "wJalrXUtnFEMI" },
        headers: { authorization: "Bearer hunter2", "content-type": "application/json" },
        password: "pa55word",
      },
      "config",
    );
    const out = lines.join("");
    expect(out).not.toContain("xoxb-111-222-secret");
    expect(out).not.toContain("abc123");
    expect(out).not.toContain("wJalrXUtnFEMI");
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("pa55word");

    expect(onlyLine(lines)).toMatchObject({
      level: 30,
      app: "profiles-bot",
      msg: "config",
      slack: {
        botToken: REDACTED,
        signingSecret: REDACTED,
        apiUrl: "http://127.0.0.1:3100/api/",
      },
      aws: { region: "eu-west-2", secretAccessKey: REDACTED },
      headers: { authorization: REDACTED, "content-type": "application/json" },
      password: REDACTED,
    });
  });

  it("scrubs token-shaped strings from messages and errors and keeps the rest", () => {
    const { lines, log } = capture();
    log.error(new Error("auth failed for xoxb-999-888-leaky"), "call failed with xapp-1-A1-zzz");
    const out = lines.join("");
    expect(out).not.toContain("xoxb-999-888-leaky");
    expect(out).not.toContain("xapp-1-A1-zzz");

    const line = onlyLine(lines);
    expect(line).toMatchObject({
      level: 50,
      msg: `call failed with ${REDACTED}`,
      err: { type: "Error", message: `auth failed for ${REDACTED}` },
    });
    // The stack is kept for debugging, with the token scrubbed from its first line too.
    expect((line.err as { stack: string }).stack).toMatch(
      /^Error: auth failed for \[redacted\]\n\s+at /,
    );
  });
});
