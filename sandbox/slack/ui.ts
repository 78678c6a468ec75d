import type { IncomingMessage, ServerResponse } from "node:http";
import type { SlackDriver } from "./driver.js";
import type { Workspace } from "./workspace.js";

export interface UiContext {
  ws: Workspace;
  driver: SlackDriver;
}

export async function handleUi(
  _req: IncomingMessage,
  res: ServerResponse,
  _path: string,
  _ctx: UiContext,
): Promise<void> {
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok: false, error: "not_found" }));
}
