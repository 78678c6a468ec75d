/**
 * The wizard's target step: shown only when the bot serves several places, numbered among the
 * draft's own steps, validated against the places offered, and changing the place forgets
 * what was looked up in the old one.
 */
import { describe, expect, it } from "vitest";
import { newDraft, type PlaceOption } from "../../src/enable/drafts.js";
import {
  applyTyped,
  chosenInstance,
  parsePlaceValue,
  stepFor,
  stepNumber,
  stepsOf,
  validateStep,
} from "../../src/enable/wizard.js";
import { stepView } from "../../src/slack/render/enable/index.js";
import { readTyped } from "../../src/slack/views/enable/draft.js";
import { ACCOUNT, base, ID, REGION } from "./fixtures.js";

const OWNER = { userId: "U1", teamId: "T1", channelId: "C1" };
const HOME: PlaceOption = {
  account: ACCOUNT,
  region: REGION,
  label: `default (${ACCOUNT}) · ${REGION}`,
};
const PROD: PlaceOption = {
  account: "444455556666",
  region: "eu-west-2",
  label: "prod (444455556666) · eu-west-2",
};
const PLACES = [HOME, PROD];

const texts = (view: unknown): string => JSON.stringify(view);

describe("the target step", () => {
  it("opens the wizard only when there is a choice of places", () => {
    expect(newDraft({ ...OWNER, places: PLACES }).step).toBe("target");
    const single = newDraft({ ...OWNER, place: HOME });
    expect(single.step).toBe("instance");
    expect(stepsOf(single)).toEqual(["instance", "domain", "dlq", "key", "review"]);
    expect(stepsOf({ places: PLACES })[0]).toBe("target");
    expect(stepNumber(single, "instance")).toEqual({ n: 1, of: 5 });
    expect(stepNumber({ places: PLACES }, "instance")).toEqual({ n: 2, of: 6 });
    // Back onto a step a one-place draft doesn't have stays where it is.
    expect(stepFor(single, "target")).toBe("instance");
  });

  it("renders a one-place wizard as before, and a several-place one with the step first", () => {
    const single = stepView(newDraft({ ...OWNER, place: HOME }));
    expect(single.callback_id).toBe("enable_instance");
    expect(texts(single)).toContain("Step 1 of 5 · Connect instance");
    expect(texts(single)).not.toContain("enable_back");

    const draft = newDraft({ ...OWNER, places: PLACES });
    const view = stepView(draft);
    expect(view.callback_id).toBe("enable_target");
    expect(view.title.text).toBe("Enable Profiles (1/6)");
    const select = view.blocks.find((b) => b.block_id === "target") as {
      element: { type: string; options: { text: { text: string }; value: string }[] };
    };
    expect(select.element.type).toBe("static_select");
    expect(select.element.options.map((o) => [o.text.text, o.value])).toEqual([
      [HOME.label, `${ACCOUNT}.${REGION}`],
      [PROD.label, "444455556666.eu-west-2"],
    ]);
    const instance = stepView({ ...draft, place: PROD, step: "instance" });
    expect(texts(instance)).toContain("Step 2 of 6 · Connect instance");
    expect(texts(instance)).toContain(PROD.label);
    expect(texts(instance)).toContain("enable_back");
  });

  it("reads the picked place, and leaves out a value that is not a place", () => {
    const picked = (value: string) => ({
      target: { enable_target: { type: "static_select", selected_option: { value } } },
    });
    expect(readTyped(picked("444455556666.eu-west-2")).place).toEqual({
      account: "444455556666",
      region: "eu-west-2",
    });
    expect(readTyped(picked("444455556666:eu-west-2; drop")).place).toBeUndefined();
    expect(parsePlaceValue("1234.eu-west-2")).toBeUndefined();
  });

  it("accepts only a place it offered", () => {
    const draft = newDraft({ ...OWNER, places: PLACES });
    expect(validateStep("target", draft).target).toMatch(/Pick the AWS account and region/);
    expect(validateStep("target", { ...draft, place: PROD })).toEqual({});
    const other = { account: "999988887777", region: "eu-west-2" };
    expect(validateStep("target", { ...draft, place: other }).target).toMatch(
      /does not serve this account and region/,
    );
  });

  it("forgets the old place's picks and look-ups when the place changes", () => {
    const draft = base({
      places: PLACES,
      place: HOME,
      domain: { mode: "existing", existing: "amazon-connect-legacy" },
      dlq: { mode: "existing", queue: "legacy-dlq" },
    });
    expect(chosenInstance(draft)?.id).toBe(ID);
    const { draft: moved, patch } = applyTyped(draft, { place: PROD });
    expect(moved.place).toEqual(PROD);
    expect(chosenInstance(moved)).toBeUndefined();
    expect(moved.domain).toEqual({ mode: "new" });
    expect(moved.dlq).toEqual({ mode: "new" });
    // Written whole, so the store forgets them too; the lists are old, so each step reloads.
    expect(patch).toMatchObject({ place: PROD, instanceId: "", domain: { mode: "new" } });
    expect(Date.parse(patch.instances?.at ?? "")).toBe(0);
    expect(patch.instances?.value).toBeUndefined();
    // The same place again changes nothing.
    const { draft: same } = applyTyped(draft, { place: { account: ACCOUNT, region: REGION } });
    expect(chosenInstance(same)?.id).toBe(ID);
  });

  it("refuses an instance from another place than the draft's", () => {
    const draft = base({
      step: "instance",
      places: PLACES,
      place: PROD,
      linked: {
        instanceArn: base().instances?.value?.[0]?.arn ?? "",
        at: new Date().toISOString(),
      },
    });
    expect(validateStep("instance", draft).instance).toMatch(/another account or region/);
  });
});
