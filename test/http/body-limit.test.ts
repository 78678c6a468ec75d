/**
 * The body cap: an oversized declared length is refused before reading, a chunked body is
 * cut at the limit, and forged bodies of tens of megabytes do not grow the process.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LINGER_BYTES, MAX_BODY_BYTES } from "../../src/http/body.js";
import {
  forge,
  health,
  JSON_TYPE,
  now,
  send,
  sign,
  startFakeServer,
  type TestServer,
} from "./support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MB = 1024 * 1024;

/** A signed event body of exactly `bytes` bytes. */
function eventOfSize(bytes: number): string {
  const head = '{"type":"event_callback","event":{"type":"app_home_opened"},"pad":"';
  const tail = '"}';
  return head + "x".repeat(bytes - head.length - tail.length) + tail;
}

describe("the body cap on /slack/events", () => {
  // 40 MB each; the server answers before the client has sent more than a few chunks.
  it.each([
    ["a declared length over 1 MB, without reading the body", "content-length"],
    ["a chunked body, cut at 1 MB", "chunked"],
  ] as const)("answers 413 to %s", async (_, mode) => {
    server = await startFakeServer();
    const res = await forge(server.events, 40 * MB, mode);
    expect(res.status).toBe(413);
    expect(res.sentBytes).toBeLessThan(8 * MB);
    expect(server.calls).toBe(0);
  });

  it("accepts a signed body of exactly the limit, and refuses one byte more", async () => {
    server = await startFakeServer();
    const atLimit = await send(server.events, sign(eventOfSize(MAX_BODY_BYTES), JSON_TYPE));
    expect(atLimit.status).toBe(200);
    expect(atLimit.text.length).toBe(MAX_BODY_BYTES);
    const over = await send(server.events, sign(eventOfSize(MAX_BODY_BYTES + 1), JSON_TYPE));
    expect(over.status).toBe(413);
    expect(server.calls).toBe(1);
  });

  it("grows the process by less than 64 MB over six 40 MB forged bodies", async () => {
    server = await startFakeServer();
    const events = server.events;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const answers = await Promise.all(
      (["content-length", "chunked"] as const).flatMap((mode) =>
        [1, 2, 3].map(() => forge(events, 40 * MB, mode)),
      ),
    );
    clearInterval(sampler);
    const after = process.memoryUsage().rss;
    peak = Math.max(peak, after);
    expect(answers.map((a) => a.status)).toEqual([413, 413, 413, 413, 413, 413]);
    const growthMb = (peak - before) / MB;
    console.info(
      `RSS over six 40 MB forged bodies: before ${(before / MB).toFixed(1)} MB, peak +${growthMb.toFixed(1)} MB, after +${((after - before) / MB).toFixed(1)} MB`,
    );
    expect(growthMb).toBeLessThan(64);
    expect(server.calls).toBe(0);
  });

  // A client that does not read while it sends: the server must not close (and so reset)
  // the connection under it, or the 413 queued for it is lost.
  it("lets a client that sends 8 MB more before reading read its 413", async () => {
    server = await startFakeServer();
    const answer = await sendThenRead(server.http.url, 8 * MB);
    expect(answer.writeError).toBeUndefined();
    expect(answer.sent).toBe(8 * MB);
    expect(answer.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(server.calls).toBe(0);
  });

  it("cuts off a client that keeps sending past the bound, and keeps answering", async () => {
    server = await startFakeServer();
    const answer = await sendThenRead(server.http.url, 64 * MB);
    expect(answer.writeError).toMatch(/EPIPE|ECONNRESET/);
    expect(answer.sent).toBeLessThan(MAX_BODY_BYTES + LINGER_BYTES + 8 * MB);
    expect((await health(server.http.url)).status).toBe(200);
    expect(server.calls).toBe(0);
  });

  it("keeps answering after a client hangs up half-way through a body", async () => {
    server = await startFakeServer();
    const { port } = new URL(server.http.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          'POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"type":',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    expect((await health(server.http.url)).status).toBe(200);
    expect(server.calls).toBe(0);
  });
});

/**
 * Sends a chunked body of `bytes` over a raw socket, each write awaited, reading nothing
 * until it is all sent or a write fails; then returns what the server had sent.
 */
async function sendThenRead(
  url: string,
  bytes: number,
): Promise<{ sent: number; writeError?: string; received: string }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), "127.0.0.1");
  socket.pause();
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const chunk = Buffer.alloc(64 * 1024, "a");
  const framed = Buffer.concat([
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from("\r\n"),
  ]);
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) =>
      socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  let sent = 0;
  let writeError: string | undefined;
  try {
    await write(
      `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: ${JSON_TYPE}\r\ntransfer-encoding: chunked\r\nx-slack-request-timestamp: ${now()}\r\nx-slack-signature: v0=${"0".repeat(64)}\r\n\r\n`,
    );
    while (sent < bytes) {
      await write(framed);
      sent += chunk.length;
    }
  } catch (err) {
    writeError = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  const received: Buffer[] = [];
  await new Promise<void>((resolve) => {
    // A 413 has no body: its head is the whole answer.
    socket.on("data", (data: Buffer) => {
      received.push(data);
      if (Buffer.concat(received).includes("\r\n\r\n")) resolve();
    });
    socket.once("end", resolve);
    socket.once("close", resolve);
    socket.once("error", () => resolve());
    setTimeout(resolve, 2_000);
    socket.resume();
  });
  socket.destroy();
  return {
    sent,
    ...(writeError && { writeError }),
    received: Buffer.concat(received).toString("latin1"),
  };
}
