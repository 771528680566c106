// The crash test of test/queue/worker-crash.test.ts on SQS (moto): a child worker process receives the job and is
// SIGKILLed before acknowledging it; a second worker, in this process with its own AWS backends, gets it after the
// visibility timeout (receive count 2) and completes it exactly once; nothing is left in the queue or its DLQ.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { createJobProcessor, createWorker, type JobReport } from "../../engine/queue/index.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { pushEvent } from "../queue/support/events.js";
import { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "../queue/support/test-vendor.js";
import { bundleForChild } from "../support/bundle-for-child.js";
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

const here = dirname(fileURLToPath(import.meta.url));
/** SQS counts visibility in whole seconds. The child's heartbeat extends it every second by two. */
const VISIBILITY_TIMEOUT_MS = 2_000;
const MAX_RECEIVES = 3;

const clients = { dynamodb: newDynamoDbClient(), sqs: newSqsClient(), kms: newKmsClient() };
let tableName: string;
let queueUrl: string;
let deadLetterQueueUrl: string;
let kmsKeyId: string;
let bundle: string;

function bundleCrashWorker(): Promise<string> {
  return bundleForChild(join(here, "crash-worker-entry.aws.ts"), "synheart-aws-tests", "crash-worker");
}

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-crash");
  let made;
  [made, kmsKeyId, bundle] = await Promise.all([
    initAws({
      tableName,
      queueName: uniqueResourceName("crash-jobs"),
      maxReceives: MAX_RECEIVES,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_MS / 1000,
      clients,
    }),
    createKmsKey(clients.kms),
    bundleCrashWorker(),
  ]);
  if (!made.queueUrl || !made.deadLetterQueueUrl) throw new Error("initAws made no queues");
  ({ queueUrl, deadLetterQueueUrl } = made as { queueUrl: string; deadLetterQueueUrl: string });
});

afterAll(() => {
  for (const client of Object.values(clients)) client.destroy();
  if (bundle) rmSync(bundle, { force: true });
});

async function messagesIn(url: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes: attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return {
    visible: Number(attributes.ApproximateNumberOfMessages ?? "-1"),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? "-1"),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? "-1"),
  };
}

describe("SQS worker killed mid-job", () => {
  it("the job reappears after the visibility timeout with receive count 2 and a second worker completes it exactly once", async () => {
    // This process's engine instance: clients of its own, as a second host would have.
    const ownClients = { dynamodb: newDynamoDbClient(), sqs: newSqsClient(), kms: newKmsClient() };
    const backends = await createAwsBackends({ tableName, queueUrl, kmsKeyId, region: testRegion, clients: ownClients });
    const engine = createConnectorEngine({
      vendors: [queueTestVendor({ issuer: "http://127.0.0.1:9", apiUrl: "http://127.0.0.1:9" })],
      backends,
      credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
    });
    await storeSealedConnection(backends, { vendor: QUEUE_VENDOR, userId: "our-user", vendorUserId: "vendor-user" });
    const event = pushEvent("vendor-user", { score: 77 });
    expect(await engine.enqueueEvent(event)).toMatchObject({ enqueued: [event.id], failed: [] });

    const child = spawn(
      process.execPath,
      [join(here, "crash-worker.aws.mjs"), bundle, tableName, queueUrl, kmsKeyId, String(VISIBILITY_TIMEOUT_MS)],
      {
        timeout: 15_000,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: awsEndpoint(),
          AWS_REGION: testRegion,
          AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit");

    const sunk: string[] = [];
    const reports: JobReport[] = [];
    const queueErrors: string[] = [];
    const survivor = createWorker({
      queue: backends.jobQueue,
      process: createJobProcessor(engine, ({ event: delivered }) => void sunk.push(delivered.id)),
      visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
      waitMs: 1_000, // SQS long poll of one second
      onReport: (report) => reports.push(report),
      onQueueError: (error, operation) => queueErrors.push(`${operation}: ${String(error)}`),
    });
    try {
      let taken = "";
      for await (const chunk of child.stdout) {
        taken += (chunk as Buffer).toString();
        if (taken.includes("\n")) break;
      }
      expect(taken.trim(), stderr).toBe(`took ${event.id} 1`);

      // The survivor polls while the child holds the job past one visibility timeout: the child's heartbeat keeps it hidden.
      survivor.start();
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_TIMEOUT_MS * 1.25));
      expect(sunk).toEqual([]);
      expect(await messagesIn(queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });

      child.kill("SIGKILL");
      await exited;
      expect(child.signalCode).toBe("SIGKILL");
      const killedAt = performance.now();
      while (sunk.length === 0 && performance.now() - killedAt < VISIBILITY_TIMEOUT_MS + 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const recoveryMs = performance.now() - killedAt;
      console.info(
        `sqs crash recovery: job completed by the second worker ${recoveryMs.toFixed(0)} ms after SIGKILL ` +
          `(visibility timeout ${VISIBILITY_TIMEOUT_MS} ms, extended every ${VISIBILITY_TIMEOUT_MS / 2} ms by the child)`,
      );
      expect(sunk).toEqual([event.id]);
      expect(recoveryMs).toBeLessThan(VISIBILITY_TIMEOUT_MS + 1_500);

      // Long enough for a second delivery to show up if the ack had not taken.
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_TIMEOUT_MS + 500));
      expect(sunk).toEqual([event.id]);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        result: "completed",
        outcome: { status: "delivered", userId: "our-user" },
        received: { receiveCount: 2 },
      });
      expect(reports[0]).not.toHaveProperty("ackError");
      expect(queueErrors).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await survivor.stop();
    }

    expect(await backends.jobQueue.receive()).toEqual([]);
    expect(await messagesIn(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await messagesIn(deadLetterQueueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const deadLetters = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10 }));
    expect(deadLetters.Messages ?? []).toEqual([]);
    await backends.close();
    for (const client of Object.values(ownClients)) client.destroy();
  });
});
