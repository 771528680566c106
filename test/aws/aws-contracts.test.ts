// The shared port contracts (test/contracts) run against the AWS backends on the local AWS-protocol server.
import { DeleteQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { KmsEnvelopeEncryptor } from "../../engine/backends/aws/kms-envelope-encryptor.js";
import { SqsJobQueue } from "../../engine/backends/aws/sqs-job-queue.js";
import type { IngestFaultHook } from "../../engine/ports/ingest-store.js";
import type { EventJob } from "../../engine/ports/job-queue.js";
import { DynamoDbIngestStore } from "../../engine/backends/aws/dynamodb-ingest-store.js";
import {
  describeDeadLetterQueueContract,
  describeEncryptorContract,
  describeIngestStoreContract,
  describeJobQueueContract,
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
import { describeDynamoDbContracts } from "./dynamodb-contracts.js";

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

describeDynamoDbContracts("DynamoDB", () => ({ client: dynamodb, tableName }));

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

describeDeadLetterQueueContract("SQS", async () => {
  const { queueUrl, deadLetterQueueUrl } = await initAws({
    tableName,
    queueName: uniqueResourceName("dlq-ops"),
    maxReceives: MAX_RECEIVES,
    clients: { dynamodb, sqs },
  });
  if (!queueUrl || !deadLetterQueueUrl) throw new Error("initAws made no queues");
  // No deadLetterQueueUrl: the queue finds it from its redrive policy, as it does when configured from the environment.
  return {
    subject: new SqsJobQueue({ client: sqs, queueUrl }),
    maxReceives: MAX_RECEIVES,
    cleanup: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl }));
    },
  };
});

// DynamoDB for the idempotency records (on a fake clock: expiry is in the conditions, from our clock), SQS for jobs.
describeIngestStoreContract("DynamoDB + SQS", async () => {
  const { queueUrl, deadLetterQueueUrl } = await initAws({
    tableName,
    queueName: uniqueResourceName("ingest"),
    maxReceives: 5,
    clients: { dynamodb, sqs },
  });
  if (!queueUrl || !deadLetterQueueUrl) throw new Error("initAws made no queues");
  const time = fakeClock(Date.now());
  const queue = new SqsJobQueue({ client: sqs, queueUrl });
  const storeWith = (faultHook?: IngestFaultHook) =>
    new DynamoDbIngestStore({ client: dynamodb, tableName, clock: time.clock, jobQueue: queue, claimSeconds: 5, ...(faultHook ? { faultHook } : {}) });
  return {
    subject: storeWith(),
    queue,
    ...time,
    withFaultHook: storeWith,
    faultSteps: ["claimed", "enqueued", "completed"],
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
