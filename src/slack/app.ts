/**
 * Builds the Bolt app: Socket Mode when an app token is set, otherwise Bolt's
 * HTTPReceiver, whose request listener our own HTTP server mounts (see http/server.ts).
 * Every listener comes from the entry table and the subcommand list, which the guard reads
 * too.
 */

import type { RequestListener } from "node:http";
import {
  App,
  type BlockAction,
  HTTPReceiver,
  type Logger,
  type ViewSubmitAction,
} from "@slack/bolt";
import { SLACK_EVENTS_PATH } from "../http/server.js";
import { boltLogger } from "../logger.js";
import { instrumentSlackClient } from "./client-metrics.js";
import { register as registerCommands, SUBCOMMANDS } from "./commands/index.js";
import type { SlackDeps } from "./deps.js";
import type { Entry } from "./entries.js";
import { register as registerHome } from "./events/home.js";
import { register as registerSteps } from "./functions/dlq-steps.js";
import { guard } from "./middleware/guard.js";
import { safeRespond } from "./respond.js";
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
  // What both modes share.
  const options = {
    token: slack.botToken,
    logger,
    clientOptions,
    deferInitialization: true,
    // No listener keeps conversation state; Bolt's store would cost every request a lookup.
    convoStore: false,
    // It drops message events the bot sent itself; the bot subscribes to none (manifest.yml:
    // app_home_opened and function_executed), and it cost every request a middleware.
    ignoreSelf: false,
  } as const;
  let app: App;
  let requestListener: RequestListener | undefined;
  if (slack.appToken) {
    app = new App({ ...options, appToken: slack.appToken, socketMode: true });
  } else {
    const receiver = new HTTPReceiver(receiverOptions(slack.signingSecret ?? "", logger));
    app = new App({ ...options, receiver });
    requestListener = receiver.requestListener;
  }
  app.error(async (err) => {
    deps.log.error({ err }, "unhandled error in a Slack listener");
  });
  const { metrics } = deps;
  if (metrics) {
    // Bolt makes a client per workspace token; each is hooked the first time it is seen.
    instrumentSlackClient(app.client, metrics);
    app.use(async ({ client, next }) => {
      instrumentSlackClient(client, metrics);
      await next();
    });
  }
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
  listen(app, ENTRIES, deps);
  registerHome(app, deps);
  registerSteps(app, deps);

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

/**
 * Bolt's HTTPReceiver as the bot mounts it. Its listener is reached only through our HTTP
 * server, which has checked the signature and the timestamp on these same bytes before
 * it calls the listener (`handleSlack` in http/server.ts). A second check here, with Bolt's
 * verifier, cost each request about 27 µs of CPU and refused nothing the first had let
 * through (docs/adr/0016).
 */
export function receiverOptions(signingSecret: string, logger: Logger) {
  return {
    signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    signatureVerification: false,
  } as const;
}

/**
 * One Bolt listener per kind, which finds the entry by id, rather than one listener per
 * entry: Bolt runs every request through every listener's filters, so 28 listeners cost each
 * request 28 filter chains. Each listener matches
 * exactly the ids of its kind, so an id that is not in the table reaches no listener, as
 * before.
 */
function listen(app: App, entries: readonly Entry[], deps: SlackDeps): void {
  const actions = byId(entries, "action");
  const views = byId(entries, "view");
  const options = byId(entries, "options");
  if (actions.size) {
    app.action<BlockAction>(exactly(actions.keys()), async (args) => {
      const target = { user: args.body.user.id, channel: args.body.channel?.id };
      const respond = safeRespond(args.respond, target, deps);
      await actions.get(args.action.action_id)?.handler({ ...args, respond }, deps);
    });
  }
  if (views.size) {
    app.view<ViewSubmitAction>(exactly(views.keys()), async (args) => {
      await views.get(args.view.callback_id)?.handler(args, deps);
    });
  }
  if (options.size) {
    app.options<"block_suggestion">(exactly(options.keys()), async (args) => {
      await options.get(args.body.action_id)?.handler(args, deps);
    });
  }
}

function byId<K extends Entry["kind"]>(
  entries: readonly Entry[],
  kind: K,
): Map<string, Extract<Entry, { kind: K }>> {
  const of = (e: Entry): e is Extract<Entry, { kind: K }> => e.kind === kind;
  return new Map(entries.filter(of).map((e) => [e.id, e]));
}

/** A pattern that matches exactly one of these ids. */
function exactly(ids: Iterable<string>): RegExp {
  const escaped = [...ids].map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^(?:${escaped.join("|")})$`);
}
