import { createServer, type Server } from "node:net";

const listening = async (): Promise<Server> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
};

const portOf = (server: Server) => (server.address() as { port: number }).port;

const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * `count` different free ports: each is held until all are chosen, so the system cannot hand
 * the same port out twice (as asking for one port at a time can, once the first is closed).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listening());
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(closed));
  }
}

/** A TCP port nothing listens on at the moment of asking. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}
