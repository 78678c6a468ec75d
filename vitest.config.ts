import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis and a few ports; two workers match the machine.
    maxWorkers: 2,
    // One local Redis Cluster (3 masters, 3 replicas) for the tests that also run on a cluster.
    globalSetup: ["test/support/redis-cluster.ts"],
    reporters: ["default"],
    // The SDK's Node 22 notice is for deployments (the Docker image runs 22), not test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
