/**
 * Customer Profiles enabled for a test: the enable wizard driven through the Slack stand-in as
 * a person would (/profiles enable, an instance picked, every later step's defaults kept, and
 * Enable pressed), or the `profiles-bot enable` command run against the stack's emulator.
 */
import { expect } from "vitest";
import { renderText } from "../../sandbox/slack/blocks.js";
import type { OptionObject, SlackView } from "../../sandbox/slack/types.js";
import { SANDBOX_AWS_CREDENTIALS, type Stack } from "../../sandbox/stack.js";
import { createEnableCommand } from "../../src/cli/enable.js";

/** Waits until `user`'s modal is the `callbackId` step and `ready` holds for its text. */
export const waitForView = (
  stack: Stack,
  user: string,
  callbackId: string,
  ready: (text: string, v: SlackView) => boolean = () => true,
): Promise<SlackView> =>
  stack.slack.timeline.waitFor(
    (t) => {
      const v = t.currentView(user);
      return v && v.callback_id === callbackId && ready(renderText(v.blocks), v) ? v : undefined;
    },
    { description: `the ${callbackId} view`, timeoutMs: 8000 },
  );

/**
 * Enables Customer Profiles for the instance `instanceId` with the wizard's defaults; `place`
 * (`444455556666.eu-west-2`) is picked on the target step of a bot serving several places.
 */
export async function enableWithDefaults(
  stack: Stack,
  user: string,
  instanceId: string,
  opts: { place?: string } = {},
): Promise<void> {
  const { driver } = stack.slack;
  const submit = async () => {
    const res = await driver.submitView({}, { user });
    expect(res.problems).toEqual([]);
    return res.responseAction;
  };
  expect((await driver.type("/profiles enable", { user })).status).toBe(200);
  if (opts.place) {
    const step = await waitForView(stack, user, "enable_target");
    const offered = JSON.stringify(step.blocks);
    const option = (
      step.blocks.find((b) => b.block_id === "target") as
        | { element?: { options?: OptionObject[] } }
        | undefined
    )?.element?.options?.find((o) => o.value === opts.place);
    if (!option) throw new Error(`${opts.place} is not offered: ${offered}`);
    const res = await driver.submitView({ target: option }, { user });
    expect(res.problems).toEqual([]);
    expect(res.responseAction).toBe("update");
  }
  await waitForView(stack, user, "enable_instance");
  const listed = await driver.requestOptions("enable_instance", "", { user });
  const picked = listed.options.find((o) => o.value === instanceId);
  if (!picked) throw new Error(`${instanceId} is not offered: ${JSON.stringify(listed.options)}`);
  await driver.select("enable_instance", picked, { user });
  await waitForView(stack, user, "enable_instance", (text) => text.includes("Not linked"));
  for (let step = 0; step < 4; step++) expect(await submit()).toBe("update");
  await waitForView(stack, user, "enable_review", (_text, v) => v.submit?.text === "Enable");
  expect(await submit()).toBe("clear");
}

/** Enables Customer Profiles for `instanceId` with `profiles-bot enable --yes`, quietly. */
export async function enableByCli(stack: Stack, instanceId: string): Promise<void> {
  const env = {
    AWS_ENDPOINT_URL: stack.emulator.url,
    AWS_REGION: "us-east-1",
    LOG_LEVEL: "silent",
  };
  const quiet = { stdin: process.stdin, out: () => {}, err: () => {} };
  const enable = createEnableCommand({ env, awsCredentials: SANDBOX_AWS_CREDENTIALS });
  expect(await enable(["--instance", instanceId, "--yes"], quiet)).toBe(0);
}
