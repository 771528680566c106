// The shared port contracts (test/contracts) run against the AWS backends on the local AWS-protocol server.
import { DeleteQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import { DynamoDbLeaseManager } from "../../engine/backends/aws/dynamodb-lease-manager.js";
import { DynamoDbPendingAuthorizationStore } from "../../engine/backends/aws/dynamodb-pending-authorization-store.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/dynamodb-rate-limiter.js";
import { DynamoDbReplayCache } from "../../engine/backends/aws/dynamodb-replay-cache.js";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { KmsEnvelopeEncryptor } from "../../engine/backends/aws/kms-envelope-encryptor.js";
import { SqsJobQueue } from "../../engine/backends/aws/sqs-job-queue.js";
import type { EventJob } from "../../engine/ports/job-queue.js";
import {
  describeEncryptorContract,
  describeJobQueueContract,
  describeLeaseManagerContract,
  describePendingAuthorizationStoreContract,
  describeRateLimiterContract,
  describeReplayCacheContract,
  describeTokenStoreContract,
} from "../contracts/index.js";
import { fakeClock } from "../embedded/fake-clock.js";
import {
  createKmsKey,
  createTestTable,
  newDynamoDbClient,
  newKmsClient,
  newSqsClient,
  uniqueResourceName,
} from "./aws-test-support.js";

const MAX_RECEIVES = 2;

const dynamodb = newDynamoDbClient();
const sqs = newSqsClient();
const kms = newKmsClient();
let tableName: string;
let kmsKeyId: string;

beforeAll(async () => {
  [tableName, kmsKeyId] = await Promise.all([createTestTable(dynamodb), createKmsKey(kms)]);
});

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
  kms.destroy();
});

// Every contract test uses unique keys, so one table serves them all.
const table = () => ({ client: dynamodb, tableName });

describeTokenStoreContract("DynamoDB", async () => ({ subject: new DynamoDbTokenStore(table()) }));

// DynamoDB never evaluates time itself (expiry is in the condition, from our clock), so a fake clock is faithful.
describePendingAuthorizationStoreContract("DynamoDB", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbPendingAuthorizationStore({ ...table(), clock: time.clock }), ...time };
});
describeReplayCacheContract("DynamoDB", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbReplayCache({ ...table(), clock: time.clock }), ...time };
});
describeLeaseManagerContract("DynamoDB", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbLeaseManager({ ...table(), clock: time.clock }), ...time };
});
describeRateLimiterContract("DynamoDB", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbRateLimiter({ ...table(), clock: time.clock }), ...time };
});

// ...and once on the system clock, as production runs them.
describePendingAuthorizationStoreContract("DynamoDB, real time", async () => ({
  subject: new DynamoDbPendingAuthorizationStore(table()),
}));
describeReplayCacheContract("DynamoDB, real time", async () => ({ subject: new DynamoDbReplayCache(table()) }));
describeLeaseManagerContract("DynamoDB, real time", async () => ({ subject: new DynamoDbLeaseManager(table()) }));
describeRateLimiterContract("DynamoDB, real time", async () => ({ subject: new DynamoDbRateLimiter(table()) }));

describeJobQueueContract("SQS", async () => {
  const { queueUrl, deadLetterQueueUrl } = await initAws({
    tableName,
    queueName: uniqueResourceName("jobs"),
    maxReceives: MAX_RECEIVES,
    clients: { dynamodb, sqs },
  });
  if (!queueUrl || !deadLetterQueueUrl) throw new Error("initAws made no queues");
  return {
    subject: new SqsJobQueue({ client: sqs, queueUrl }),
    maxReceives: MAX_RECEIVES,
    shortVisibilityMs: 1_000,
    deadLetters: () => readDeadLetters(deadLetterQueueUrl),
    cleanup: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl }));
    },
  };
});

describeEncryptorContract("KMS envelope", async () => ({
  subject: new KmsEnvelopeEncryptor({ client: kms, keyId: kmsKeyId }),
  rotateKey: async () => new KmsEnvelopeEncryptor({ client: kms, keyId: await createKmsKey(kms) }),
}));

async function readDeadLetters(queueUrl: string): Promise<EventJob[]> {
  const output = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
  return (output.Messages ?? []).map((message) => JSON.parse(message.Body ?? "null") as EventJob);
}
