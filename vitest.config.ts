import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: { name: "engine", include: ["test/**/*.test.ts"], exclude: ["test/aws/**"] },
      },
      {
        // Starts a moto server (DynamoDB, SQS, KMS) on 127.0.0.1, installing it into .venv-aws on first use.
        // Its global setup runs only when a test of this project is selected.
        extends: true,
        test: { name: "aws", include: ["test/aws/**/*.test.ts"], globalSetup: ["test/aws/global-setup.ts"] },
      },
    ],
  },
});
