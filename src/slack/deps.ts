/** What Slack listeners are given: the services they call, never AWS clients directly. */
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";

export interface SlackDeps {
  config: Config;
  log: Logger;
}
