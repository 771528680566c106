import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { awsBackendsConfigFromEnv, checkAwsBackendsConfig } from "../../engine/backends/aws/create-aws-backends.js";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { ConnectorError, isConnectorError } from "../../engine/errors.js";
import { credentialsFromEnv } from "../../engine/manifest/credentials.js";
import { createLogger, logLevelFromEnv } from "../../engine/logging/logger.js";
import type { Backends } from "../../engine/ports/backends.js";
import { whoopDefinition } from "./support.js";

function thrown(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error("expected a throw");
}

describe("configuration errors are typed and list every problem at once", () => {
  it("awsBackendsConfigFromEnv names every missing or malformed variable, never a value", () => {
    const missing = thrown(() => awsBackendsConfigFromEnv({}));
    expect(missing.code).toBe("configuration_invalid");
    expect(missing.details?.problems).toEqual(["SYNHEART_DYNAMODB_TABLE is not set", "SYNHEART_SQS_QUEUE_URL is not set", "SYNHEART_KMS_KEY_ID is not set"]);
    for (const problem of missing.details!.problems as string[]) expect(missing.message).toContain(problem);

    const malformed = thrown(() =>
      awsBackendsConfigFromEnv({ SYNHEART_DYNAMODB_TABLE: "no spaces allowed", SYNHEART_SQS_QUEUE_URL: "jobs", SYNHEART_KMS_KEY_ID: "k-SECRETISH", SYNHEART_RATE_LIMIT_BATCH: "ten" }),
    );
    expect(malformed.details?.problems).toHaveLength(3);
    expect(malformed.message).toContain("SYNHEART_RATE_LIMIT_BATCH must be a whole number");
    expect(malformed.message).toContain("SYNHEART_SQS_QUEUE_URL must be a queue URL");
    expect(malformed.message).toContain("SYNHEART_DYNAMODB_TABLE: table name");
    expect(inspect(malformed, { depth: Infinity })).not.toContain("SECRETISH");

    expect(awsBackendsConfigFromEnv({ SYNHEART_DYNAMODB_TABLE: "synheart", SYNHEART_SQS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/jobs", SYNHEART_KMS_KEY_ID: "alias/k", SYNHEART_SQS_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/1/jobs-dlq" })).toMatchObject({
      tableName: "synheart",
      deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/1/jobs-dlq",
    });
  });

  it("createAwsBackends' configuration is checked whole before any client is made", () => {
    const error = thrown(() => checkAwsBackendsConfig({ rateLimitBatchSize: 0 }));
    expect(error.code).toBe("configuration_invalid");
    expect(error.details?.problems).toEqual([
      "tableName is required (SYNHEART_DYNAMODB_TABLE)",
      "queueUrl is required (SYNHEART_SQS_QUEUE_URL)",
      "kmsKeyId is required unless an encryptor is given (SYNHEART_KMS_KEY_ID)",
      "rateLimitBatchSize must be a whole number of at least 1 (SYNHEART_RATE_LIMIT_BATCH)",
    ]);
  });

  it("a vendor's credentials name every missing variable", async () => {
    const manifest = { id: "acme", settings: { webhookSecret: {}, region: { required: true }, optional: { required: false } } };
    const error = thrown(() => credentialsFromEnv(manifest as never, { SYNHEART_ACME_CLIENT_ID: "id" }));
    expect(error.code).toBe("missing_setting");
    expect(error.details?.missing).toEqual(["SYNHEART_ACME_CLIENT_SECRET", "SYNHEART_ACME_WEBHOOK_SECRET", "SYNHEART_ACME_REGION"]);
  });

  it("engine options: the shape first, then every vendor's missing variables in one error", async () => {
    const shape = thrown(() => createConnectorEngine({ vendors: "whoop" as never, backends: { tokenStore: {} } as unknown as Backends, clock: 5 as never }));
    expect(shape.code).toBe("configuration_invalid");
    expect(shape.details?.problems).toEqual([
      "vendors must be an array of vendor definitions (loadConnectorEngine loads them)",
      "backends lacks pendingAuthorizations, replayCache, leases, rateLimiter, jobQueue, encryptor",
      "clock must be a function returning epoch milliseconds",
    ]);
    const noBackends = thrown(() => createConnectorEngine({ vendors: [], backends: undefined as never }));
    expect(noBackends.message).toContain("backends is required");

    const whoop = await whoopDefinition();
    const oura = { ...whoop, id: "oura", manifest: { ...whoop.manifest, id: "oura" } };
    const missing = thrown(() =>
      createConnectorEngine({
        vendors: [whoop, oura],
        backends: createMemoryBackends(),
        env: { SYNHEART_WHOOP_CLIENT_ID: "w", SYNHEART_OURA_CLIENT_ID: "o", SYNHEART_OURA_CLIENT_SECRET: "oura-SECRET" },
      }),
    );
    expect(missing.code).toBe("missing_setting");
    expect(missing.details?.missing).toEqual(["SYNHEART_WHOOP_CLIENT_SECRET"]);
    expect(inspect(missing, { depth: Infinity })).not.toContain("oura-SECRET");
  });

  it("log levels come from SYNHEART_LOG_LEVEL; a wrong one is a configuration error", () => {
    expect(logLevelFromEnv({})).toBe("info");
    expect(logLevelFromEnv({ SYNHEART_LOG_LEVEL: "WARN" })).toBe("warn");
    expect(isConnectorError(thrown(() => logLevelFromEnv({ SYNHEART_LOG_LEVEL: "chatty" })), "configuration_invalid")).toBe(true);
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (line) => lines.push(line) });
    logger.info("dropped");
    logger.warn("kept", { vendor: "whoop" });
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ time: expect.any(String), level: "warn", message: "kept", vendor: "whoop" }]);
  });
});
