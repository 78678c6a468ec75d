/**
 * Builds the Bolt app: Socket Mode when an app token is set, otherwise Bolt's
 * HTTPReceiver, whose request listener our own HTTP server mounts (see http/server.ts).
 * Request verification is never turned off.
 */

import type { RequestListener } from "node:http";
import { App, HTTPReceiver } from "@slack/bolt";
import { SLACK_EVENTS_PATH } from "../http/server.js";
import { boltLogger } from "../logger.js";
import { register as registerActions } from "./actions/index.js";
import { register as registerCommands } from "./commands/index.js";
import type { SlackDeps } from "./deps.js";
import { register as registerHome } from "./events/home.js";
import { guard } from "./middleware/guard.js";
import { register as registerOptions } from "./options/index.js";
import { ID_PERMISSIONS, SUBCOMMAND_PERMISSIONS, UNAUDITED_IDS } from "./permissions.js";
import { register as registerViews } from "./views/index.js";

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
      subcommands: SUBCOMMAND_PERMISSIONS,
      ids: ID_PERMISSIONS,
      channels: deps.config.access.channels,
      unaudited: UNAUDITED_IDS,
    }),
  );
  registerCommands(app, deps);
  registerActions(app, deps);
  registerOptions(app, deps);
  registerViews(app, deps);
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
