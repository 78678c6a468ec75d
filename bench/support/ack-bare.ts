/**
 * Bare Bolt for bench/ack: Bolt's own HTTP receiver with one `/profiles` listener that acks
 * with a line of text, in a process of its own as the bot runs in its own. Prints one JSON
 * line with its URL, then runs until killed.
 *   node --import tsx bench/support/ack-bare.ts PORT SIGNING_SECRET SLACK_API_URL
 */
import { App } from "@slack/bolt";
import { boltLogger, createLogger } from "../../src/logger.js";

const [port = "0", signingSecret = "", slackApiUrl = ""] = process.argv.slice(2);
const app = new App({
  token: "xoxb-bench-token",
  signingSecret,
  clientOptions: { slackApiUrl },
  logger: boltLogger(createLogger("silent")),
});
app.command("/profiles", async ({ ack }) => {
  await ack({ response_type: "ephemeral", text: "/profiles help: Show this list." });
});
await app.start({ port: Number(port), host: "127.0.0.1" });
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/slack/events` }));
process.once("SIGTERM", () => void app.stop().finally(() => process.exit(0)));
