import { AwsError, type ServiceModule } from "../types.js";
import type { EmulatorState } from "../state.js";

export const connect: ServiceModule = {
  name: "connect",
  operationOf: () => undefined,
  handle: () => ({ status: 501 }),
  errorResponse: (err) => ({ status: err.status, body: JSON.stringify({ Message: err.message }) }),
  throttlingError: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
};

export function seedConnect(_state: EmulatorState, _opts: { region: string }): void {}
