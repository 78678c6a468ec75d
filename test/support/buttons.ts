/**
 * A message the bot posts with one button, as its reports and digests carry them, but with a
 * value the test chose: a forged, copied, stale or malformed one, for a click that must be
 * refused (values are hostile, ADR 0004); and the value of a digest's real button.
 */
import { WebClient } from "@slack/web-api";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import { SANDBOX_BOT_TOKEN, type Stack } from "../../sandbox/stack.js";
import { DLQ_REINGEST_ACTION } from "../../src/slack/render/digest.js";

export interface Button {
  actionId: string;
  /** The button's label. */
  label: string;
  value: string;
}

/** Posts the message in `channel`; returns where it stands, for driver.clickButton. */
export async function postButton(
  stack: Stack,
  channel: string,
  { actionId, label, value }: Button,
): Promise<{ channel: string; ts: string }> {
  const bot = new WebClient(SANDBOX_BOT_TOKEN, { slackApiUrl: stack.slack.apiUrl });
  const posted = await bot.chat.postMessage({
    channel,
    text: label,
    blocks: [
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: actionId,
            text: { type: "plain_text", text: label },
            value,
          },
        ],
      },
    ],
  });
  return { channel, ts: String(posted.ts) };
}

/** The value of a digest's Re-ingest button for the throttled class, if the message has one. */
export function throttledReingestValue(m: MessageRecord): string | undefined {
  for (const block of m.blocks ?? []) {
    const elements = (block as { elements?: { action_id?: string; value?: string }[] }).elements;
    for (const e of elements ?? []) {
      if (e.action_id === DLQ_REINGEST_ACTION && e.value?.includes('"c":"throttled"'))
        return e.value;
    }
  }
  return undefined;
}
