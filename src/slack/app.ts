/**
 * Builds the Bolt app: Socket Mode when an app token is set, otherwise Bolt's
 * HTTPReceiver, whose request listener our own HTTP server mounts (see http/server.ts).
 * Request verification is never turned off. Every listener comes from the entry table and
 * the subcommand list, which the guard reads too.
 */

import type { RequestListener } from "node:http";
import { App, type BlockAction, HTTPReceiver, type ViewSubmitAction } from "@slack/bolt";
import { SLACK_EVENTS_PATH } from "../http/server.js";
import { boltLogger } from "../logger.js";
import { register as registerCommands, SUBCOMMANDS } from "./commands/index.js";
import type { SlackDeps } from "./deps.js";
import type { Entry } from "./entries.js";
import { register as registerHome } from "./events/home.js";
import { guard } from "./middleware/guard.js";
import { ENTRIES } from "./table.js";

export interface SlackApp {
  app: App;
  /** Present in HTTP mode: mount it at SLACK_EVENTS_PATH. */
  requestListener?: RequestListener;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackApp(deps: SlackDeps): SlackApp {
  const { slack } = deps.config;
  const logger = boltLogger(deps.log);
  const clientOptions = slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {};
  let app: App;
  let requestListener: RequestListener | undefined;
  if (slack.appToken) {
    app = new App({
      token: slack.botToken,
      appToken: slack.appToken,
      socketMode: true,
      logger,
      clientOptions,
      deferInitialization: true,
    });
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret ?? "",
      endpoints: SLACK_EVENTS_PATH,
      logger,
      signatureVerification: true,
    });
    app = new App({
      token: slack.botToken,
      receiver,
      logger,
      clientOptions,
      deferInitialization: true,
    });
    requestListener = receiver.requestListener;
  }
  app.error(async (err) => {
    deps.log.error({ err }, "unhandled error in a Slack listener");
  });
  // Runs before every listener: authorise, then audit what the listener did.
  app.use(
    guard({
      access: deps.access,
      audit: deps.audit,
      notifier: deps.notifier,
      log: deps.log,
      subcommands: SUBCOMMANDS,
      rules: ENTRIES,
      channels: deps.config.access.channels,
    }),
  );
  registerCommands(app, deps);
  for (const entry of ENTRIES) listen(app, entry, deps);
  registerHome(app, deps);

  return {
    app,
    requestListener,
    // init() calls auth.test, so a wrong token stops start-up instead of failing later.
    start: async () => {
      await app.init();
      if (slack.appToken) await app.start();
    },
    stop: async () => {
      if (slack.appToken) await app.stop();
    },
  };
}

function listen(app: App, entry: Entry, deps: SlackDeps): void {
  switch (entry.kind) {
    case "action":
      app.action<BlockAction>(entry.id, (args) => entry.handler(args, deps));
      return;
    case "view":
      app.view<ViewSubmitAction>(entry.id, (args) => entry.handler(args, deps));
      return;
    case "options":
      app.options<"block_suggestion">(entry.id, (args) => entry.handler(args, deps));
      return;
  }
}
