/** The bot's Slack messages in the stand-in, as the e2e tests read and wait for them. */
import { renderText } from "../../sandbox/slack/blocks.js";
import type { MessageRecord } from "../../sandbox/slack/timeline.js";
import type { Stack } from "../../sandbox/stack.js";

/** What a person reads in a message (or one version of it), without mrkdwn markers. */
export const readMessage = (m: Pick<MessageRecord, "blocks" | "text"> | undefined): string =>
  renderText(m?.blocks, m?.text).replace(/[*`]/g, "");

/** The message in `channel` that reads `contains`, once there is one (e.g. a job's report). */
export const waitForMessage = (
  stack: Stack,
  channel: string,
  contains: string,
  timeoutMs = 20_000,
): Promise<MessageRecord> =>
  stack.slack.timeline.waitFor(
    (t) => t.messages(channel).find((m) => readMessage(m).includes(contains)),
    { timeoutMs, description: `the message in ${channel} to say "${contains}"` },
  );
