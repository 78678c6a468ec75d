/**
 * A real local Redis Cluster for tests: 6 redis-server processes (3 masters, 3 replicas) on
 * free ports in a temp dir, joined by `redis-cli --cluster create`. The suite starts one
 * (vitest globalSetup, the default export) and hands its nodes to every test file through
 * `inject("redisClusterNodes")`; a test that kills a master starts one of its own.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis as NodeClient } from "ioredis";
import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import type { Config, Env } from "../../src/config.js";
import { freePorts } from "./net.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The suite's cluster, as REDIS_CLUSTER_NODES takes it. */
    redisClusterNodes: string;
  }
}

const run = promisify(execFile);

/** TLS files for every node (and for redis-cli and the bot, as the CA). */
export interface ClusterTls {
  cert: string;
  key: string;
  ca: string;
}

export interface RedisCluster {
  ports: number[];
  /** `127.0.0.1:p1,127.0.0.1:p2,...`: the value of REDIS_CLUSTER_NODES. */
  nodes: string;
  /**
   * SIGKILLs the master that holds `key`'s slot and waits until a replica has taken the slot
   * over and the cluster answers again. Returns the killed node's port.
   */
  killMasterOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** How long a master may be silent before its replica takes over (cluster-node-timeout). */
  nodeTimeoutMs?: number;
  tls?: ClusterTls;
}

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 20_000,
  failed: () => Error | undefined = () => undefined,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const failure = failed();
    if (failure) throw failure;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How many times a cluster is started afresh, on new ports, when one does not come up. */
const START_ATTEMPTS = 3;

/**
 * Starts a cluster, and again on other ports when a start fails: a port found free can be
 * taken by another process before redis-server binds it, and a node that cannot bind exits.
 * The error of the last attempt is thrown, with what each attempt's failure was.
 */
export async function startRedisCluster(opts: ClusterOptions = {}): Promise<RedisCluster> {
  const failures: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      failures.push(`attempt ${attempt}: ${(err as Error).message}`);
      if (attempt >= START_ATTEMPTS) {
        throw new Error(`Redis Cluster did not start:\n${failures.join("\n")}`);
      }
    }
  }
}

async function startOnce(opts: ClusterOptions): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "pb-cluster-"));
  const { tls } = opts;
  const children = new Map<number, ChildProcess>();
  // Twelve different ports: six for clients, six for the cluster bus.
  const all = await freePorts(12);
  const ports = all.slice(0, 6);
  const busPorts = all.slice(6);
  // A node that exits before the cluster is up fails the start at once, with its last words.
  let exited: Error | undefined;

  const tlsServerArgs = (port: number) =>
    tls
      ? [
          ...["--port", "0", "--tls-port", String(port)],
          ...["--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca],
          ...["--tls-cluster", "yes", "--tls-replication", "yes", "--tls-auth-clients", "no"],
        ]
      : ["--port", String(port)];
  const cliTls = tls ? ["--tls", "--cacert", tls.ca] : [];
  const client = (port: number) =>
    new NodeClient({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...(tls ? { tls: { ca: readFileSync(tls.ca, "utf8") } } : {}),
    });
  /** A command to one node on a throwaway connection. */
  const ask = async (port: number, ...args: string[]): Promise<unknown> => {
    const c = client(port);
    c.on("error", () => {});
    try {
      await c.connect();
      return await c.call(args[0] as string, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };

  /**
   * Writes on a master and waits until its replica has acknowledged the write. FLUSHALL is
   * the write: it takes no key (so no slot to find), and the cluster is still empty.
   */
  const untilStreaming = async (port: number) => {
    const c = client(port);
    c.on("error", () => {});
    try {
      await c.connect();
      await c.flushall();
      await until(
        async () => (Number(await c.call("WAIT", "1", "500")) >= 1 ? true : undefined),
        `node ${port}'s replica acknowledging its writes`,
      );
    } finally {
      c.disconnect();
    }
  };

  ports.forEach((port, i) => {
    const child = spawn(
      "redis-server",
      [
        ...tlsServerArgs(port),
        ...["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...["--maxmemory-policy", "noeviction", "--dir", dir],
        ...["--cluster-enabled", "yes", "--cluster-port", String(busPorts[i])],
        ...["--cluster-config-file", join(dir, `nodes-${port}.conf`)],
        // Replicas sync at once, over the socket (Redis 7 waits 5 s for more replicas).
        ...["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
        ...["--dbfilename", `dump-${port}.rdb`],
        ...["--cluster-node-timeout", String(opts.nodeTimeoutMs ?? 2_000)],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-600);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", (code, signal) => {
      exited ??= new Error(
        `redis-server on port ${port} exited (${signal ?? code}): ${output.trim().split("\n").slice(-3).join(" | ")}`,
      );
    });
    children.set(port, child);
  });
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pong = async (port: number) => ((await ask(port, "PING")) === "PONG" ? true : undefined);
    for (const port of ports)
      await until(
        () => pong(port),
        "ping",
        20_000,
        () => exited,
      );
    await run("redis-cli", [
      ...cliTls,
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);
    const ready = async (port: number) =>
      /cluster_state:ok/.test(String(await ask(port, "CLUSTER", "INFO"))) ? true : undefined;
    for (const port of ports) await until(() => ready(port), `node ${port} ok`);
    // Every replica in sync with its master: a failover needs one. On 2 shared cores with the
    // other test files running, a sync once took over 20 s.
    await until(
      async () => {
        const roles = await Promise.all(
          ports.map(async (p) => String(await ask(p, "INFO", "replication"))),
        );
        const synced = roles.filter((r) => /master_link_status:up/.test(r));
        return synced.length === 3 ? true : undefined;
      },
      "three replicas in sync",
      45_000,
    );
    // A link that is up is not yet a stream: after a diskless sync, Redis 7 sends a replica
    // the writes that follow only once the replica has acknowledged the snapshot (its log:
    // "Waiting for REPLCONF ACK from slave to enable streaming"), up to a second later. A
    // master killed in that second hands its slot to a replica that has none of the writes
    // since, and a failover test then sees every job vanish. So each master writes once and
    // waits until its replica has acknowledged that write.
    const masters: number[] = [];
    for (const port of ports) {
      if (/role:master/.test(String(await ask(port, "INFO", "replication")))) masters.push(port);
    }
    await Promise.all(masters.map((port) => untilStreaming(port)));
  } catch (err) {
    await stop();
    throw err;
  }

  const slotOwner = async (via: number, slot: number): Promise<number | undefined> => {
    const ranges = (await ask(via, "CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range?.[2][1];
  };

  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(","),
    stop,
    killMasterOf: async (key) => {
      const slot = Number(await ask(ports[0] as number, "CLUSTER", "KEYSLOT", key));
      const master = await slotOwner(ports[0] as number, slot);
      const child = master === undefined ? undefined : children.get(master);
      if (!master || !child) throw new Error(`no master holds slot ${slot}`);
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
      const survivors = ports.filter((p) => p !== master);
      await until(async () => {
        for (const port of survivors) {
          const owner = await slotOwner(port, slot);
          if (owner === undefined || owner === master) return undefined;
          if (!/cluster_state:ok/.test(String(await ask(port, "CLUSTER", "INFO")))) {
            return undefined;
          }
        }
        return true;
      }, `a replica took over slot ${slot}`);
      return master;
    },
  };
}

/**
 * A private CA and a server certificate it signed for 127.0.0.1 and localhost, made by
 * openssl in a temp dir: what a TLS Redis (and the bot's REDIS_TLS_CA_FILE) needs.
 */
export async function makeTestCertificates(): Promise<ClusterTls & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "pb-tls-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args);
  const key = ["-newkey", "rsa:2048", "-nodes"];
  await openssl(
    ...["req", "-x509", ...key, "-days", "2", "-subj", "/CN=profiles-bot test CA"],
    ...["-keyout", at("ca.key"), "-out", at("ca.pem")],
  );
  await openssl(
    ...["req", ...key, "-subj", "/CN=localhost"],
    ...["-keyout", at("server.key"), "-out", at("server.csr")],
  );
  writeFileSync(at("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl(
    ...["x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key")],
    ...["-CAcreateserial", "-days", "2", "-extfile", at("san.cnf"), "-out", at("server.pem")],
  );
  return { dir, cert: at("server.pem"), key: at("server.key"), ca: at("ca.pem") };
}

/** The Redis setups a parametrised test runs on. */
export const REDIS_KINDS = ["single node", "cluster"] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/** The bot's Redis variables for a kind: nothing for the single node on 6379, the nodes for the cluster. */
export function redisEnv(kind: RedisKind): Env {
  return kind === "cluster" ? { REDIS_CLUSTER_NODES: inject("redisClusterNodes") } : {};
}

/** What createRedis takes, for a test's own connections to a kind of Redis. */
export function redisConfig(kind: RedisKind, prefix: string): Pick<Config, "redis"> {
  if (kind === "single node") return { redis: { url: "redis://127.0.0.1:6379", prefix } };
  const clusterNodes = inject("redisClusterNodes")
    .split(",")
    .map((node) => {
      const [host, port] = node.split(":");
      return { host: host as string, port: Number(port) };
    });
  return { redis: { url: "redis://127.0.0.1:6379", prefix, clusterNodes } };
}

/** vitest globalSetup: one cluster for the whole run, stopped after it. */
export default async function setup(project: TestProject) {
  const cluster = await startRedisCluster();
  project.provide("redisClusterNodes", cluster.nodes);
  return () => cluster.stop();
}
