import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsBackendsConfigFromEnv, createAwsBackends } from "../../engine/backends/aws/index.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import {
  awsEndpoint,
  createKmsKey,
  newDynamoDbClient,
  newKmsClient,
  newSqsClient,
  testCredentials,
  testRegion,
  uniqueResourceName,
} from "./aws-test-support.js";

const sdkEnvironment = ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
const saved = Object.fromEntries(sdkEnvironment.map((name) => [name, process.env[name]]));
const env: Record<string, string> = {};

beforeAll(async () => {
  const dynamodb = newDynamoDbClient();
  const sqs = newSqsClient();
  const kms = newKmsClient();
  const tableName = uniqueResourceName("synheart");
  const made = await initAws({ tableName, queueName: uniqueResourceName("jobs"), clients: { dynamodb, sqs } });
  env.SYNHEART_DYNAMODB_TABLE = tableName;
  env.SYNHEART_SQS_QUEUE_URL = made.queueUrl ?? "";
  env.SYNHEART_KMS_KEY_ID = await createKmsKey(kms);
  env.SYNHEART_RATE_LIMIT_BATCH = "5";
  for (const client of [dynamodb, sqs, kms]) client.destroy();
  // Production configuration: the SDK reads endpoint, region and credentials from the environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_REGION: testRegion,
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  });
});

afterAll(() => {
  for (const name of sdkEnvironment) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("createAwsBackends", () => {
  it("builds every port from the environment alone, and they work together", async () => {
    const backends = await createAwsBackends(awsBackendsConfigFromEnv(env));
    try {
      const context = { vendor: "whoop", userId: "u1" };
      const sealedTokens = await backends.encryptor.seal(new TextEncoder().encode("tokens"), context);
      const stored = await backends.tokenStore.put({ ...context, status: "active", sealedTokens, updatedAt: 1 }, null);
      const read = await backends.tokenStore.get("whoop", "u1");
      expect(read).toEqual(stored);
      expect(new TextDecoder().decode(await backends.encryptor.open(read!.sealedTokens, context))).toBe("tokens");
      expect((await backends.rateLimiter.take("whoop:app", [{ limit: 10, periodSeconds: 60 }])).granted).toBe(true);
      const event = { id: "e1", vendor: "whoop", type: "t", userId: "v1", delivery: "push" as const, data: null, authenticity: "verified" as const };
      expect(await backends.jobQueue.enqueue([event])).toEqual({ enqueued: ["e1"], failed: [] });
      expect((await backends.jobQueue.receive({ waitMs: 1_000 }))[0]?.job.event).toEqual(event);
    } finally {
      await backends.close();
    }
  });

  it("names the missing setting", () => {
    expect(() => awsBackendsConfigFromEnv({ ...env, SYNHEART_SQS_QUEUE_URL: "" })).toThrow(/SYNHEART_SQS_QUEUE_URL/);
    expect(() => awsBackendsConfigFromEnv({ ...env, SYNHEART_RATE_LIMIT_BATCH: "0" })).toThrow(
      /SYNHEART_RATE_LIMIT_BATCH/,
    );
  });
});
