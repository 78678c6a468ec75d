/**
 * The enable wizard driven through the Slack stand-in as a person would: /profiles enable,
 * an instance picked, every later step's defaults kept, and Enable pressed.
 */
import { expect } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { SlackView } from "../../sandbox/slack/types.js";
import type { Stack } from "../../sandbox/stack.js";

const waitForView = (
  stack: Stack,
  user: string,
  callbackId: string,
  ready: (v: SlackView) => boolean = () => true,
) =>
  stack.slack.timeline.waitFor(
    (t) => {
      const v = t.currentView(user);
      return v && v.callback_id === callbackId && ready(v) ? v : undefined;
    },
    { description: `the ${callbackId} view`, timeoutMs: 8000 },
  );

/** Enables Customer Profiles for the instance `instanceId` with the wizard's defaults. */
export async function enableWithDefaults(
  stack: Stack,
  user: string,
  instanceId: string,
): Promise<void> {
  const { driver } = stack.slack;
  const submit = async () => {
    const res = await driver.submitView({}, { user });
    expect(res.problems).toEqual([]);
    return res.responseAction;
  };
  expect((await driver.type("/profiles enable", { user })).status).toBe(200);
  await waitForView(stack, user, "enable_instance");
  const listed = await driver.requestOptions("enable_instance", "", { user });
  const picked = listed.options.find((o) => o.value === instanceId);
  if (!picked) throw new Error(`${instanceId} is not offered: ${JSON.stringify(listed.options)}`);
  await driver.select("enable_instance", picked, { user });
  await waitForView(stack, user, "enable_instance", (v) =>
    renderText(v.blocks).includes("Not linked"),
  );
  for (let step = 0; step < 4; step++) expect(await submit()).toBe("update");
  await waitForView(stack, user, "enable_review", (v) => v.submit?.text === "Enable");
  expect(await submit()).toBe("clear");
}
