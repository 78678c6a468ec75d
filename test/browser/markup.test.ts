/** The raw-markup check the browser test runs on the page's text finds what it must, and only that. */
import { describe, expect, it } from "vitest";
import { findRawMarkup } from "./markup.js";

const kinds = (text: string) => findRawMarkup(text).map((f) => f.match);

describe("findRawMarkup", () => {
  it("finds every kind of markup the issue reported on the page", () => {
    expect(kinds(":white_check_mark: Enabled")).toEqual([":white_check_mark:"]);
    expect(kinds("done (:warning: two left)")).toEqual([":warning:"]);
    expect(kinds("Digests in <#C0OPS>")).toEqual(["<#C0OPS>"]);
    expect(kinds("by <@U0ADMIN|sandbox-admin>")).toEqual(["<@U0ADMIN|sandbox-admin>"]);
    expect(kinds("Scanned <!date^1764490735^{date_short_pretty} at {time}|2025-11-30>")).toEqual([
      "<!date^1764490735^{date_short_pretty}",
    ]);
    expect(kinds("see <https://example.com|the docs>")).toEqual(["<https://example.com|the docs>"]);
    expect(kinds("a &lt; b &amp;&amp; c &gt; d")).toEqual(["&lt;", "&amp;", "&amp;", "&gt;"]);
    expect(kinds("Choose…[object HTMLOptionElement]")).toEqual(["[object HTMLOptionElement]"]);
  });

  it("leaves alone what a rendered page shows: ARNs, times, URLs, policies, emoji", () => {
    const page = [
      "✅ Customer Profiles enabled for examplecorp",
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd",
      "arn:aws:profile:us-east-1:123456789012:domains/amazon-connect-examplecorp",
      "http://127.0.0.1:41235/000000000000/amazon-connect-examplecorp-dlq",
      "10:42:13 AM · Scanned today at 08:18",
      '"Condition": { "StringEquals": { "aws:SourceAccount": "123456789012" } }',
      "a < b && c > d · #contact-centre-ops · @sandbox-admin",
      "Re-ingest 18 objects? Step 1 of 5 · Connect instance",
    ].join("\n");
    expect(findRawMarkup(page)).toEqual([]);
  });

  it("says where it found the markup", () => {
    const [found] = findRawMarkup("The queue is fine :warning: but slow");
    expect(found?.kind).toBe("emoji shortcode");
    expect(found?.around).toContain("queue is fine :warning: but slow");
  });
});
