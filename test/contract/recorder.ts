/**
 * A recording door in front of the emulator: the SDK clients talk to it, it passes every
 * request to the emulator unchanged (the Host header too, so queue URLs name the door) and
 * keeps each request and answer as they crossed the wire. Recording here, rather than inside
 * the emulator, checks the bytes the real SDK sent and the emulator answered, and leaves the
 * operation to be found from AWS's models, not from the emulator's own routing.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { Exchange } from "./model.js";

export interface Recorder {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startRecorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const server = createServer(async (req, res) => {
    try {
      const body = await readAll(req);
      const answer = await new Promise<{
        status: number;
        headers: Exchange["responseHeaders"];
        body: Buffer;
      }>((resolve, reject) => {
        const out = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (reply) => {
            readAll(reply).then(
              (b) => resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body: b }),
              reject,
            );
          },
        );
        out.on("error", reject);
        out.end(body);
      });
      exchanges.push({
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: body.toString("utf8"),
        status: answer.status,
        responseHeaders: answer.headers,
        responseBody: answer.body.toString("utf8"),
      });
      const headers = { ...answer.headers };
      delete headers["transfer-encoding"];
      delete headers["content-length"];
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    } catch (err) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`recorder: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
