import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis and a few ports; two workers match the machine.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
