/**
 * The AWS emulator's control endpoints (/_emulator/faults, /_emulator/propagation,
 * /_emulator/roles and /_emulator/assumed-roles, see sandbox/aws/server.ts), over plain HTTP
 * as a person or a script would use them.
 */
import type { AssumeRoleRecord } from "../../sandbox/aws/accounts.js";

/** What an endpoint answered: its listing, or `error`/`problems`. */
export interface ControlAnswer {
  status: number;
  json: {
    faults?: Record<string, unknown>;
    propagation?: Record<string, unknown>;
    roles?: { arn: string; roleId: string; trustPolicy: unknown; maxSessionDuration: number }[];
    assumedRoles?: AssumeRoleRecord[];
    error?: string;
    problems?: string[];
  };
}

/**
 * `method` on the emulator at `emulatorUrl`'s `endpoint`; a string body is sent as it is (to
 * send something that is not JSON), any other body as JSON. `query` is e.g. "?key=…".
 */
export async function emulatorControl(
  emulatorUrl: string,
  endpoint: "faults" | "propagation" | "roles" | "assumed-roles",
  method: string,
  body?: unknown,
  query = "",
): Promise<ControlAnswer> {
  const res = await fetch(`${emulatorUrl}/_emulator/${endpoint}${query}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as ControlAnswer["json"] };
}
