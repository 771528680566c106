import { afterAll, beforeAll, expect, it } from "vitest";
import { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import type { Backends } from "../../engine/ports/backends.js";
import { cli, deadLetterAll, pushEvent, storeConnection } from "../cli/operations-support.js";
import { awsEndpoint, createKmsKey, newDynamoDbClient, newKmsClient, newSqsClient, testRegion, uniqueResourceName } from "./aws-test-support.js";
import { jobIdentity } from "../../engine/ports/job-queue.js";

// The same commands on DynamoDB, SQS and KMS (moto): the CLI builds its clients from the SDK's standard environment.
const MAX_RECEIVES = 2;
const clients = { dynamodb: newDynamoDbClient(), sqs: newSqsClient(), kms: newKmsClient() };
let env: Record<string, string>;
let backends: Backends;
const saved = { ...process.env };

beforeAll(async () => {
  const tableName = uniqueResourceName("ops");
  const { queueUrl } = await initAws({ tableName, queueName: uniqueResourceName("ops-jobs"), maxReceives: MAX_RECEIVES, clients });
  const kmsKeyId = await createKmsKey(clients.kms);
  env = { SYNHEART_DYNAMODB_TABLE: tableName, SYNHEART_SQS_QUEUE_URL: queueUrl!, SYNHEART_KMS_KEY_ID: kmsKeyId };
  Object.assign(process.env, { AWS_ENDPOINT_URL: awsEndpoint(), AWS_REGION: testRegion, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
  backends = await createAwsBackends({ tableName, queueUrl: queueUrl!, kmsKeyId, clients });
  for (const user of ["alice", "bob"]) await storeConnection(backends, "whoop", user, `SECRET-${user}`);
});

afterAll(async () => {
  process.env = saved;
  await backends.close();
  for (const client of Object.values(clients)) client.destroy();
});

it("connections list, show and revoke --local-only on DynamoDB (gsi1), never printing tokens", async () => {
  const listed = await cli(env, "connections", "list", "whoop");
  expect(listed.code).toBe(0);
  expect(listed.lines.map((line) => line.userId).sort()).toEqual(["alice", "bob"]);
  expect(listed.out.join("\n")).not.toMatch(/SECRET|ciphertext|encryptedDataKey/);
  expect(listed.lines[0]?.keyId).toMatch(/^arn:aws:kms:/);

  const shown = await cli(env, "connections", "show", "whoop", "alice");
  expect(JSON.parse(shown.out.join("\n"))).toMatchObject({ vendor: "whoop", userId: "alice", status: "active" });

  expect((await cli(env, "connections", "revoke", "whoop", "alice", "--local-only")).lines[0]).toMatchObject({ deleted: true });
  expect((await cli(env, "connections", "list", "whoop")).lines.map((line) => line.userId)).toEqual(["bob"]);
});

it("jobs dlq list, redrive and purge on SQS, the dead-letter queue found from the redrive policy", async () => {
  await backends.jobQueue.enqueue([pushEvent("aws-event-1"), pushEvent("aws-event-2")]);
  await deadLetterAll(backends, 2, MAX_RECEIVES);
  const listed = await cli(env, "jobs", "dlq", "list");
  expect(listed.code).toBe(0);
  expect(listed.lines.map((line) => line.eventId).sort()).toEqual(["aws-event-1", "aws-event-2"]);

  const target = listed.lines.find((line) => line.eventId === "aws-event-2")!.id as string;
  expect((await cli(env, "jobs", "dlq", "redrive", "--id", target)).lines[0]).toEqual({ redriven: 1 });
  const [again] = await backends.jobQueue.receive({ maxJobs: 1, waitMs: 1_000 });
  expect(again && jobIdentity(again.job).id).toBe("aws-event-2");
  await backends.jobQueue.ack(again!.receipt);

  expect((await cli(env, "jobs", "dlq", "purge", "--all")).lines[0]).toEqual({ purged: 1 });
  expect((await cli(env, "jobs", "dlq", "list")).lines).toEqual([]);
});

it("a missing AWS configuration names every missing variable at once", async () => {
  const result = await cli({ SYNHEART_BACKEND: "aws" }, "jobs", "dlq", "list", "--env-file", "/nonexistent/.env");
  expect(result.code).toBe(1);
  expect(result.err).toContain("configuration_invalid");
  for (const name of ["SYNHEART_DYNAMODB_TABLE", "SYNHEART_SQS_QUEUE_URL", "SYNHEART_KMS_KEY_ID"]) expect(result.err).toContain(`${name} is not set`);
});
