import { describe, expect, it } from "vitest";
import { parseDlqMessage } from "../../src/dlq/parse.js";
import { redact, redactText } from "../../src/dlq/redact.js";
import { FIXTURE_NAMES, FIXTURE_PII, fixture } from "./fixtures.js";

function expectNoPii(output: unknown): void {
  const json = JSON.stringify(output).toLowerCase();
  for (const pii of FIXTURE_PII) expect(json).not.toContain(pii.toLowerCase());
}

describe("redact, redacted mode", () => {
  it.each(FIXTURE_NAMES.filter((name) => name !== "not-json"))(
    "%s: no name, email, phone or address survives",
    (name) => {
      const parsed = parseDlqMessage(fixture(name));
      if (parsed.kind !== "readable") throw new Error("fixture should be readable");
      expectNoPii(redact(parsed.object, "redacted"));
    },
  );

  it("keeps field names, nesting and array lengths, and masks every value", () => {
    const input = {
      FirstName: "Maria",
      Age: 41,
      Vip: true,
      Nothing: null,
      CustomerEndpoint: { Address: "+14255550199", Type: "TELEPHONE_NUMBER" },
      Tags: ["gold", "west"],
      Notes: "called about 12 Pine St",
    };
    expect(redact(input, "redacted")).toEqual({
      FirstName: "«name»",
      Age: "«number»",
      Vip: true,
      Nothing: null,
      CustomerEndpoint: { Address: "«address»", Type: "«string(16)»" },
      Tags: ["«string(4)»", "«string(4)»"],
      Notes: "«string(23)»",
    });
  });

  it("masks emails and phone numbers by their look, whatever the field is called", () => {
    const output = redact(
      { contact: "maria.garcia@example.com", other: "+1 (425) 555-0123", n: 4255550123 },
      "redacted",
    );
    expect(output).toEqual({ contact: "«email»", other: "«phone»", n: "«number»" });
  });

  it("masks ids but leaves their last two characters to match a record", () => {
    expect(
      redact({ ProfileId: "0f1e2d3c4b5a", AccountNumber: "ACC-1001", Key: "abc" }, "redacted"),
    ).toEqual({
      ProfileId: "«id(12) …5a»",
      AccountNumber: "«id(8) …01»",
      Key: "«id(3)»",
    });
  });

  it("masks field names that are themselves emails or phone numbers", () => {
    const output = redact(
      { "maria.garcia@example.com": 1, "+14255550123": 2, "+14255550199": 3 },
      "redacted",
    );
    expectNoPii(output);
    expect(Object.keys(output as object)).toHaveLength(3);
  });

  it("masks inside arrays of objects and stops at a depth bound", () => {
    let deep: unknown = "Maria";
    for (let i = 0; i < 1000; i += 1) deep = { child: deep };
    const output = redact({ people: [{ name: "Maria Garcia" }], deep }, "redacted");
    expectNoPii(output);
    expect(JSON.stringify(output)).toContain("«nested»");
  });

  it("does not let a __proto__ field change the output's prototype", () => {
    const input = JSON.parse('{"__proto__":{"FirstName":"Maria"}}');
    const output = redact(input, "redacted") as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expectNoPii(output);
  });
});

describe("redact, other modes", () => {
  it("off shows nothing", () => {
    expect(redact({ FirstName: "Maria" }, "off")).toBeUndefined();
  });

  it("full shows the value unchanged", () => {
    const input = { FirstName: "Maria" };
    expect(redact(input, "full")).toBe(input);
  });
});

describe("redactText", () => {
  it("masks emails and phone numbers in free text", () => {
    const text = "Profile for maria.garcia@example.com (+1 425-555-0123, 4255550199) rejected";
    const output = redactText(text);
    expectNoPii(output);
    expect(output).toBe("Profile for «email» («phone», «phone») rejected");
  });

  it("leaves sizes, dates and AWS's error texts readable", () => {
    const texts = [
      "Your data contains profile object larger than 256000 bytes",
      "Too many objects ingested on the profile per second",
      "failed at 2026-11-28 10:00:00",
      "object c-77 of type CRM-Contact",
    ];
    for (const text of texts) expect(redactText(text)).toBe(text);
  });

  it("keeps the account ids of the AWS names the bot prints: refIds, places, ARNs, endpoint URLs", () => {
    const texts = [
      "Re-ingest of 111122223333.us-east-1.amazon-connect-a refused",
      "could not list the domains of 444455556666.eu-west-2",
      "User: arn:aws:sts::111122223333:assumed-role/profiles-bot/U1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/profiles-bot-target",
      "queue https://sqs.eu-west-2.amazonaws.com/111122223333/legacy-profiles-dlq does not exist",
      "There is no Customer Profiles domain named d in eu-west-2 of account 444455556666.",
      "prod (Account ID: 444455556666) in eu-west-2",
    ];
    for (const text of texts) expect(redactText(text)).toBe(text);
  });

  it("still masks phone numbers of twelve digits that stand alone, and emails inside an ARN", () => {
    expect(redactText("call +441632960123 or 441632960123 (ref 111122223333.us-east-1.d)")).toBe(
      "call «phone» or «phone» (ref 111122223333.us-east-1.d)",
    );
    expect(redactText("441632960123")).toBe("«phone»");
    expect(redactText("phone 441632960123, account 111122223333")).toBe(
      "phone «phone», account 111122223333",
    );
    // A session named after a person is PII inside the ARN; the account id is not.
    expect(
      redactText("arn:aws:sts::111122223333:assumed-role/profiles-bot/maria.garcia@example.com"),
    ).toBe("arn:aws:sts::111122223333:assumed-role/profiles-bot/«email»");
    // Something shaped like a refId but led by a '+' is a phone number with text after it.
    expect(redactText("+441632960123.us-east-1.d")).toBe("«phone».us-east-1.d");
  });
});
