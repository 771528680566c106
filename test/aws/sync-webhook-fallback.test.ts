import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { createKeyring, KEY_BYTES, LocalKeyEncryptor } from "../../engine/backends/embedded/local-key-encryptor.js";
import { describeWebhookFallback } from "../sync/support/webhook-fallback-scenario.js";
import { newDynamoDbClient, newSqsClient, uniqueResourceName } from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const sqs = newSqsClient();
let tableName = "";
let queueUrl = "";

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-silence");
  const made = await initAws({ tableName, queueName: uniqueResourceName("silence-jobs"), clients: { dynamodb, sqs } });
  queueUrl = made.queueUrl ?? "";
});
afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

describeWebhookFallback("AWS (DynamoDB, SQS)", (clock) =>
  createAwsBackends({ tableName, queueUrl, clients: { dynamodb, sqs }, clock, encryptor: new LocalKeyEncryptor(createKeyring([{ id: "k", key: randomBytes(KEY_BYTES) }])) }),
);
