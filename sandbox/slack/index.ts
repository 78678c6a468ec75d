/**
 * The local Slack: a Web API stand-in, a timeline of what the bot did, and a driver that
 * sends what Slack sends. See README.md.
 */

export type { BlockProblem, Surface as BlockSurface } from "./blocks.js";
export {
  LIMITS,
  readMrkdwn,
  renderElement,
  renderText,
  validateBlocks,
  validateView,
} from "./blocks.js";
export type {
  ActionResponse,
  CommandResponse,
  DriverOptions,
  DriverResponse,
  ElementTarget,
  Inputs,
  InputValue,
  OptionsResponse,
  SendOptions,
  SubmitResponse,
  Surface,
} from "./driver.js";
export { buildState, SlackDriver, signSlackRequest, stateFor, viewProblems } from "./driver.js";
export type { SlackStandIn, StandInOptions } from "./server.js";
export { startSlackStandIn } from "./server.js";
export type {
  ApiCall,
  EphemeralRecord,
  MessageRecord,
  ResponseUrlPost,
  ViewRecord,
  WaitOptions,
} from "./timeline.js";
export { Timeline } from "./timeline.js";
export type {
  Block,
  FailureDomain,
  Json,
  MadeFailures,
  OptionObject,
  RateLimitConfig,
  RateLimitRule,
  SandboxChannel,
  SandboxHooks,
  SandboxUser,
  SlackView,
  TextObject,
} from "./types.js";
export type { WorkspaceOptions } from "./workspace.js";
export { DEFAULT_CHANNELS, DEFAULT_USERS, SlackApiError, Workspace } from "./workspace.js";
