/**
 * A redis-server of a test's own, on a free port, that the test stops and starts again to
 * make a real outage (the shared Redis on 6379 is never touched). It keeps no data on disk,
 * so a restart comes back empty, as a Redis that lost its data does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";
import { freePort } from "./net.js";

export interface OwnRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM unless told, e.g. SIGKILL for a crash) and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
}

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

/**
 * `args` are extra redis-server options, e.g. `["--maxmemory-policy", "allkeys-lru"]`. With
 * `tls` it answers TLS only (a rediss:// url).
 */
export async function startOwnRedis(
  args: string[] = [],
  tls?: { cert: string; key: string; ca: string },
): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const listen = tls
    ? [
        ...["--port", "0", "--tls-port", String(port), "--tls-auth-clients", "no"],
        ...["--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca],
      ]
    : ["--port", String(port)];

  const start = async () => {
    child = spawn(
      "redis-server",
      [...listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100 && !(await accepts(port)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!(await accepts(port))) throw new Error(`redis-server did not start on port ${port}`);
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill(signal);
    });
  };
  await start();
  return { url: `${tls ? "rediss" : "redis"}://127.0.0.1:${port}`, port, stop, start };
}
