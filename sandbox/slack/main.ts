/**
 * Runs the Slack stand-in on its own, for poking at it by hand:
 *   npx tsx sandbox/slack/main.ts --port 3100 --bot-url http://127.0.0.1:3000/slack/events --signing-secret s3cret
 * `npm run sandbox` starts it together with the bot and the AWS emulator instead.
 */
import { parseArgs } from "node:util";
import { startSlackStandIn } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3100" },
    host: { type: "string", default: "127.0.0.1" },
    "bot-url": { type: "string" },
    "signing-secret": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exit(2);
}

const slack = await startSlackStandIn({
  port,
  host: values.host,
  ...(values["bot-url"] ? { botUrl: values["bot-url"] } : {}),
  ...(values["signing-secret"] ? { signingSecret: values["signing-secret"] } : {}),
  ...(values.quiet ? {} : { log: (line: string) => console.error(line) }),
});
console.log(`Slack stand-in: ${slack.url}  (Web API: ${slack.apiUrl})`);
if (!values["bot-url"])
  console.log("No --bot-url: the UI shows the timeline but commands have nowhere to go.");

const stop = (): void => {
  void slack.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
