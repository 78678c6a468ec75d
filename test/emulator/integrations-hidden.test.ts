/**
 * Hidden integrations, through the real SDK client and the bot's gateway: the emulator leaves
 * a hidden integration out of ListIntegrations and ListAccountIntegrations unless the caller
 * sends IncludeHidden, as AWS does; the gateway always sends it, so an instance linked by a
 * visible or a hidden integration is found linked either way.
 */

import { ListInstancesCommand } from "@aws-sdk/client-connect";
import {
  BadRequestException,
  CreateDomainCommand,
  ListAccountIntegrationsCommand,
  ListIntegrationsCommand,
  PutIntegrationCommand,
} from "@aws-sdk/client-customer-profiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorHandle, startEmulator } from "../../sandbox/aws/server.js";
import { instanceArn, seedConnect } from "../../sandbox/aws/services/connect.js";
import { findDomain } from "../../sandbox/aws/services/profiles.js";
import { emptyState } from "../../sandbox/aws/state.js";
import { createGateways } from "../../src/aws/gateways.js";
import { clients, REGION, rejectsWith } from "./profiles-helpers.js";

const VISIBLE = "amazon-connect-visible-link";
const HIDDEN = "amazon-connect-hidden-link";
let emulator: EmulatorHandle;
let sdk: ReturnType<typeof clients>;
let visibleArn: string;
let hiddenArn: string;

/** The seed's ACTIVE instances; with no Customer Profiles seed, none is linked yet. */
async function activeInstances(): Promise<[string, string]> {
  const out = await sdk.connect.send(new ListInstancesCommand({}));
  const active = (out.InstanceSummaryList ?? [])
    .filter((i) => i.InstanceStatus === "ACTIVE")
    .map((i) => i.Arn ?? "");
  if (active.length < 2) throw new Error(`the seed has ${active.length} ACTIVE instances, not 2`);
  return [active[0] as string, active[1] as string];
}

beforeAll(async () => {
  const state = emptyState();
  seedConnect(state, { region: REGION });
  emulator = await startEmulator({ port: 0, quotas: false, state });
  sdk = clients(emulator.url);
  [visibleArn, hiddenArn] = await activeInstances();
  for (const [domain, uri] of [
    [VISIBLE, visibleArn],
    [HIDDEN, hiddenArn],
  ] as const) {
    await sdk.profiles.send(
      new CreateDomainCommand({ DomainName: domain, DefaultExpirationDays: 30 }),
    );
    await sdk.profiles.send(
      new PutIntegrationCommand({ DomainName: domain, Uri: uri, ObjectTypeName: "CTR" }),
    );
  }
  // AWS offers no request that hides an integration; the emulator's state is the only way.
  const hidden = findDomain(emulator.ctx.state, HIDDEN, REGION)?.integrations[0];
  if (!hidden) throw new Error("the hidden domain's integration was not made");
  hidden.hidden = true;
});
afterAll(() => emulator.close());

const accountUris = async (uri: string, includeHidden?: boolean) =>
  (
    await sdk.profiles.send(
      new ListAccountIntegrationsCommand({
        Uri: uri,
        ...(includeHidden === undefined ? {} : { IncludeHidden: includeHidden }),
      }),
    )
  ).Items?.map((i) => i.DomainName);

const domainUris = async (domain: string, includeHidden?: boolean) =>
  (
    await sdk.profiles.send(
      new ListIntegrationsCommand({
        DomainName: domain,
        ...(includeHidden === undefined ? {} : { IncludeHidden: includeHidden }),
      }),
    )
  ).Items?.map((i) => i.Uri);

describe("the emulator lists hidden integrations only with IncludeHidden", () => {
  it("ListAccountIntegrations", async () => {
    expect(await accountUris(visibleArn)).toEqual([VISIBLE]);
    expect(await accountUris(hiddenArn)).toEqual([]);
    expect(await accountUris(hiddenArn, false)).toEqual([]);
    expect(await accountUris(hiddenArn, true)).toEqual([HIDDEN]);
    expect(await accountUris(visibleArn, true)).toEqual([VISIBLE]);
  });

  it("ListIntegrations", async () => {
    expect(await domainUris(VISIBLE)).toEqual([visibleArn]);
    expect(await domainUris(HIDDEN)).toEqual([]);
    expect(await domainUris(HIDDEN, true)).toEqual([hiddenArn]);
  });

  it("a hidden link still holds its instance: linking it to another domain is refused", async () => {
    await rejectsWith(
      sdk.profiles.send(
        new PutIntegrationCommand({ DomainName: VISIBLE, Uri: hiddenArn, ObjectTypeName: "CTR" }),
      ),
      BadRequestException,
      `already associated with domain ${HIDDEN}`,
    );
  });
});

describe("the gateway finds both kinds of link", () => {
  it("domainForInstance and listIntegrations see visible and hidden integrations", async () => {
    const gateways = createGateways(sdk);
    expect(await gateways.profiles.domainForInstance(visibleArn)).toBe(VISIBLE);
    expect(await gateways.profiles.domainForInstance(hiddenArn)).toBe(HIDDEN);
    expect((await gateways.profiles.listIntegrations(HIDDEN)).map((i) => i.uri)).toEqual([
      hiddenArn,
    ]);
    expect((await gateways.profiles.listIntegrations(VISIBLE)).map((i) => i.uri)).toEqual([
      visibleArn,
    ]);
    expect(
      await gateways.profiles.domainForInstance(
        instanceArn(REGION, "00000000-0000-0000-0000-000000000000"),
      ),
    ).toBeUndefined();
  });
});
