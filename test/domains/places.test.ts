/**
 * Naming a place by hand (the CLI's --target/--region; in Slack, `--target <target>[/<region>]`
 * read by one parser for `/profiles status` and `/profiles alerts`), reading a button's domain
 * reference as hostile text, and listing every place's domains with a place that fails shown
 * beside the others.
 */
import { describe, expect, it } from "vitest";
import { renderText, validateBlocks } from "../../sandbox/slack/blocks.js";
import type { Gateways } from "../../src/aws/gateways.js";
import {
  describeTarget,
  type Place,
  samePlace,
  type Target,
  type Targets,
} from "../../src/aws/targets.js";
import { takeTargetOption } from "../../src/dlq/places.js";
import { pickPlace, servedRef } from "../../src/domains/places.js";
import { listEveryPlace } from "../../src/domains/status.js";
import { AppError } from "../../src/errors.js";
import { readAlertsArgs } from "../../src/slack/commands/alerts.js";
import { readStatusArgs } from "../../src/slack/commands/status.js";
import { renderPlaceList } from "../../src/slack/render/status.js";

const HOME: Target = { name: "default", account: "111122223333", regions: ["us-east-1"] };
const PROD: Target = {
  name: "prod",
  account: "444455556666",
  regions: ["eu-west-2", "eu-central-1"],
  roleArn: "arn:aws:iam::444455556666:role/profiles-bot-target",
  externalId: "x",
};

/** Targets whose gateways are given per place: only the calls a listing makes. */
function targetsOf(gatewaysIn: (place: Place) => Partial<Gateways>): Targets {
  const all = [HOME, PROD];
  const places = all.flatMap((t) => t.regions.map((region) => ({ account: t.account, region })));
  const targetOf = (p: Place) =>
    all.find((t) => t.account === p.account && t.regions.includes(p.region));
  return {
    all: () => all,
    places: () => places,
    defaultPlace: () => places[0] as Place,
    targetOf,
    describe: (p) => describeTarget(targetOf(p) ?? HOME, p),
    gateways: (p) => gatewaysIn(p) as Gateways,
  };
}

const listing = (domains: string[]): Partial<Gateways> =>
  ({
    profiles: {
      listDomains: async () => domains.map((name) => ({ name })),
      listIntegrations: async () => [],
    },
    connect: { listInstances: async () => [] },
  }) as unknown as Partial<Gateways>;

describe("pickPlace", () => {
  const targets = targetsOf(() => ({}));
  it("takes the target's first region unless one of its regions is named", () => {
    expect(pickPlace(targets, "prod")).toEqual({
      ok: true,
      place: { account: PROD.account, region: "eu-west-2" },
    });
    expect(pickPlace(targets, "prod/eu-central-1")).toEqual(
      pickPlace(targets, "prod", "eu-central-1"),
    );
    expect(pickPlace(targets, "prod/eu-central-1", "eu-central-1").ok).toBe(true);
    expect(pickPlace(targets, "prod/eu-central-1", "eu-west-2")).toEqual({
      ok: false,
      error: "--target prod/eu-central-1 and --region eu-west-2 name two regions: give one.",
    });
    expect(pickPlace(targets, "prod", "eu-central-1")).toEqual({
      ok: true,
      place: { account: PROD.account, region: "eu-central-1" },
    });
  });

  it("names the configured targets for an unknown name, and the regions for a wrong one", () => {
    const unknown = pickPlace(targets, "staging");
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.error).toBe(
        "There is no target named staging: the bot serves default (us-east-1), prod (eu-west-2, eu-central-1).",
      );
    }
    const region = pickPlace(targets, "prod", "us-east-1");
    expect(!region.ok && region.error).toMatch(
      /served in eu-west-2, eu-central-1, not in us-east-1/,
    );
  });
});

describe("--target in Slack", () => {
  const targets = targetsOf(() => ({}));
  const [, WEST2, CENTRAL1] = targets.places();

  it("is found anywhere in the arguments, in each of its spellings", () => {
    expect(takeTargetOption(["orders", "--target", "prod/eu-west-2"])).toEqual({
      rest: ["orders"],
      target: "prod/eu-west-2",
    });
    expect(takeTargetOption(["--target=prod", "orders", "off"])).toEqual({
      rest: ["orders", "off"],
      target: "prod",
    });
    expect(takeTargetOption(["orders", "TARGET:prod"])).toEqual({
      rest: ["orders"],
      target: "prod",
    });
    expect(takeTargetOption(["orders", "--target"])).toEqual({ rest: ["orders"], target: "" });
    expect(takeTargetOption(["orders"])).toEqual({ rest: ["orders"] });
  });

  it("picks the same place for /profiles status as for /profiles alerts", () => {
    const argv = ["orders", "--target", "prod/eu-central-1"];
    expect(readStatusArgs({ targets }, argv)).toEqual({ name: "orders", places: [CENTRAL1] });
    expect(readAlertsArgs(argv, "C0HERE")).toMatchObject({
      domain: "orders",
      target: "prod/eu-central-1",
    });
    // A target with several regions, named alone: every one of them.
    expect(readStatusArgs({ targets }, ["--target", "prod"])).toEqual({
      places: [WEST2, CENTRAL1],
    });
    expect(readStatusArgs({ targets }, [])).toEqual({});
  });

  it("refuses an unknown target or region with the ones there are, and the old positional form with the usage", () => {
    const unknown = readStatusArgs({ targets }, ["orders", "--target", "staging"]);
    expect(unknown).toEqual({
      refusal:
        ":warning: There is no target named staging (the bot serves: default, prod/eu-west-2, prod/eu-central-1).",
      reason:
        "There is no target named staging (the bot serves: default, prod/eu-west-2, prod/eu-central-1).",
    });
    const region = readStatusArgs({ targets }, ["--target", "prod/us-east-1"]);
    expect("refusal" in region && region.refusal).toContain(
      "The target prod is not served in us-east-1 (the bot serves: default, prod/eu-west-2, prod/eu-central-1).",
    );
    const positional = readStatusArgs({ targets }, ["orders", "prod", "eu-west-2"]);
    expect("refusal" in positional && positional.refusal).toContain(
      "`/profiles status [domain] [--target <target>[/<region>]]`",
    );
  });
});

describe("servedRef", () => {
  const targets = targetsOf(() => ({}));
  it("reads a served domain reference", () => {
    expect(servedRef(targets, "444455556666.eu-central-1.amazon-connect-x")).toEqual({
      ok: true,
      ref: { account: "444455556666", region: "eu-central-1", domain: "amazon-connect-x" },
    });
  });

  it("refuses a bare name, a forged text and a place the bot does not serve", () => {
    expect(servedRef(targets, "amazon-connect-x").ok).toBe(false);
    expect(servedRef(targets, "111122223333.us-east-1.x <!channel>").ok).toBe(false);
    const elsewhere = servedRef(targets, "999988887777.us-east-1.amazon-connect-x");
    expect(!elsewhere.ok && elsewhere.error).toBe(
      "the bot does not serve account 999988887777 in us-east-1",
    );
  });
});

describe("listing every place", () => {
  it("lists each place under its name, and a place that fails with its sentence", async () => {
    const refused = new AppError(
      "aws_access_denied",
      "STS AssumeRole of arn:aws:iam::444455556666:role/profiles-bot-target was refused: check its trust policy.",
    );
    const targets = targetsOf((place) =>
      samePlace(place, { account: PROD.account, region: "eu-central-1" })
        ? ({
            profiles: { listDomains: () => Promise.reject(refused) },
            connect: { listInstances: () => Promise.reject(refused) },
          } as unknown as Partial<Gateways>)
        : listing(
            place.account === HOME.account
              ? ["amazon-connect-a"]
              : ["amazon-connect-a", "amazon-connect-b"],
          ),
    );
    const places = await listEveryPlace(targets, { type: "slack", userId: "U1", teamId: "T1" });
    expect(places.map((p) => [p.label, p.domains?.map((d) => d.name), p.error])).toEqual([
      ["default (111122223333) · us-east-1", ["amazon-connect-a"], undefined],
      ["prod (444455556666) · eu-west-2", ["amazon-connect-a", "amazon-connect-b"], undefined],
      ["prod (444455556666) · eu-central-1", undefined, refused.userMessage],
    ]);

    const message = renderPlaceList(places);
    expect(validateBlocks(message.blocks as never, "message")).toEqual([]);
    const text = renderText(message.blocks as never, message.text);
    const at = (s: string) => text.indexOf(s);
    expect(at("default (111122223333) · us-east-1")).toBeLessThan(
      at("prod (444455556666) · eu-west-2"),
    );
    expect(at("prod (444455556666) · eu-west-2")).toBeLessThan(at("amazon-connect-b"));
    expect(at("prod (444455556666) · eu-central-1")).toBeLessThan(
      at("was refused: check its trust policy"),
    );
  });

  it("keeps a long listing within one message's blocks", () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      name: `amazon-connect-${i}`,
      instances: [],
    }));
    const places = [HOME, PROD].map((t) => ({
      account: t.account,
      region: t.regions[0] as string,
      label: t.name,
      domains: many,
    }));
    const message = renderPlaceList(places);
    expect(validateBlocks(message.blocks as never, "message")).toEqual([]);
    expect(renderText(message.blocks as never, message.text)).toContain("Showing 45 of 160.");
  });
});
