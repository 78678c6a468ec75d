/**
 * Slack's side of Socket Mode. The bot calls apps.connections.open with its app token and
 * gets a wss URL; on connecting it receives `hello`, then envelopes
 * (`{ envelope_id, type, payload, accept_response_payload }`, type `events_api`,
 * `interactive` or `slash_commands`), each of which it acknowledges by sending back
 * `{ envelope_id, payload? }`: the payload is what an HTTP bot would have answered in the
 * response body (a slash command's text, a view submission's response_action, options).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Json } from "./types.js";

export const SOCKET_MODE_PATH = "/socket-mode/";

export type EnvelopeType = "events_api" | "interactive" | "slash_commands";

export class SocketModeHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly waiting = new Map<string, (payload: Json | undefined) => void>();

  constructor(private readonly appId: string) {}

  /** A one-time URL to connect to, as apps.connections.open hands out. */
  issueUrl(baseUrl: string): string {
    const ticket = randomBytes(8).toString("hex");
    this.tickets.add(ticket);
    return `${baseUrl.replace(/^http/, "ws")}${SOCKET_MODE_PATH}${ticket}`;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** The HTTP server's `upgrade` for SOCKET_MODE_PATH: refuses tickets not handed out. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = (req.url ?? "").slice(SOCKET_MODE_PATH.length);
    if (!this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  private connected(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on("close", () => this.sockets.delete(ws));
    ws.on("message", (data) => {
      let ack: { envelope_id?: unknown; payload?: Json };
      try {
        ack = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof ack.envelope_id !== "string") return;
      this.waiting.get(ack.envelope_id)?.(ack.payload);
      this.waiting.delete(ack.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.size,
        connection_info: { app_id: this.appId },
        debug_info: { host: "sandbox", approximate_connection_time: 3600 },
      }),
    );
  }

  /**
   * Sends an envelope on one open connection and resolves with the ack's payload. Slack
   * retries an envelope nobody acks; here the caller's timeout stands for that.
   */
  deliver(type: EnvelopeType, payload: Json, timeoutMs: number): Promise<Json | undefined> {
    const [ws] = this.sockets;
    if (!ws) return Promise.reject(new Error("No Socket Mode connection is open"));
    const envelopeId = randomBytes(12).toString("hex");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`The bot did not acknowledge envelope ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      ws.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accept_response_payload: type !== "events_api",
          retry_attempt: 0,
          retry_reason: "",
        }),
      );
    });
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }
}
