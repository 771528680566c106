// SIGKILL under load on the AWS backend (DynamoDB idempotency records + SQS, on moto): a server process takes signed
// deliveries and is killed -9 mid-run, leaving `in_progress` records behind; a second process takes the vendor's
// retries (503 with Retry-After while a claim is live, stored once it has expired). Every delivery acknowledged by
// either process is in the queue, and after the retries every delivery is.
import { ReceiveMessageCommand, DeleteMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { decodeJobMessage } from "../../engine/queue/job-message.js";
import { bundleIngestServer, fireKillAndRetry, startIngestServer } from "../faults/kill/kill-support.js";
import { awsEndpoint, newDynamoDbClient, newSqsClient, testCredentials, testRegion, uniqueResourceName } from "./aws-test-support.js";

const clients = { dynamodb: newDynamoDbClient(), sqs: newSqsClient() };
let bundle: Awaited<ReturnType<typeof bundleIngestServer>>;
let tableName: string;
let queueUrl: string;

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-kill");
  let made;
  [bundle, made] = await Promise.all([
    bundleIngestServer(),
    initAws({ tableName, queueName: uniqueResourceName("kill-jobs"), maxReceives: 5, clients }),
  ]);
  if (!made.queueUrl) throw new Error("initAws made no queue");
  queueUrl = made.queueUrl;
});

afterAll(() => {
  bundle?.remove();
  for (const client of Object.values(clients)) client.destroy();
});

/** Every job in the queue (read once, then deleted). */
async function drainQueue(): Promise<string[]> {
  const ids: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const output = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }));
    const messages = output.Messages ?? [];
    if (messages.length === 0) empty++;
    for (const message of messages) ids.push(decodeJobMessage(message.Body ?? "").event.resourceId ?? "");
    if (messages.length > 0) {
      await clients.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
  }
  return ids;
}

describe("AWS ingest killed with SIGKILL under load", () => {
  it("loses no acknowledged delivery, and stores every delivery after the vendor's retries", async () => {
    const env = {
      INGEST_TABLE: tableName,
      INGEST_QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_REGION: testRegion,
      AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const run = await fireKillAndRetry({ count: 80, concurrency: 8, killAfter: 25, start: () => startIngestServer(bundle, env) });
    await run.second.kill();
    expect(run.acknowledgedBeforeKill.size).toBeGreaterThanOrEqual(25);
    expect(run.unacknowledgedBeforeKill).toBeGreaterThan(0); // the kill caught requests in flight

    const storedIds = new Set(await drainQueue());
    expect([...run.acknowledgedBeforeKill].filter((id) => !storedIds.has(id))).toEqual([]);
    expect(run.deliveries.filter((delivery) => !storedIds.has(delivery.resourceId)).map((d) => d.resourceId)).toEqual([]);
  }, 90_000); // two server starts and moto on a shared 2-core machine: seconds when quiet, more when not
});
