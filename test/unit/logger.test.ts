import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger("debug", stream) };
}

describe("logger", () => {
  it("redacts secrets in known fields", () => {
    const { lines, log } = capture();
    log.info({ slack: { botToken: "xoxb-111-222-secret", signingSecret: "abc123" } }, "config");
    const out = lines.join("");
    expect(out).not.toContain("xoxb-111-222-secret");
    expect(out).not.toContain("abc123");
    expect(out).toContain("[redacted]");
  });

  it("scrubs token-shaped strings from messages and errors", () => {
    const { lines, log } = capture();
    log.error(new Error("auth failed for xoxb-999-888-leaky"), "call failed with xapp-1-A1-zzz");
    const out = lines.join("");
    expect(out).not.toContain("xoxb-999-888-leaky");
    expect(out).not.toContain("xapp-1-A1-zzz");
  });
});
