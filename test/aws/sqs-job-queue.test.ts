import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { splitIntoBatches } from "../../engine/backends/aws/sqs-batches.js";
import { SqsJobQueue } from "../../engine/backends/aws/sqs-job-queue.js";
import type { NormalizedEvent } from "../../engine/events.js";
import {
  countCalls,
  createTestTable,
  newDynamoDbClient,
  newSqsClient,
  uniqueResourceName,
} from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const sqs = newSqsClient();
const calls = countCalls(sqs);
let tableName: string;

beforeAll(async () => {
  tableName = await createTestTable(dynamodb);
});

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

let sequence = 0;
function event(overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  sequence += 1;
  return {
    id: `event-${sequence}-${uniqueResourceName("e")}`,
    vendor: "whoop",
    type: "recovery.updated",
    userId: "vendor-user-1",
    delivery: "push",
    data: { sequence },
    authenticity: "verified",
    ...overrides,
  };
}

async function queues(options: { maxReceives?: number; fifo?: boolean } = {}) {
  const name = uniqueResourceName("jobs") + (options.fifo ? ".fifo" : "");
  const made = await initAws({
    tableName,
    queueName: name,
    maxReceives: options.maxReceives ?? 3,
    clients: { dynamodb, sqs },
  });
  if (!made.queueUrl || !made.deadLetterQueueUrl) throw new Error("no queues");
  return { queueUrl: made.queueUrl, deadLetterQueueUrl: made.deadLetterQueueUrl };
}

describe("SQS job queue", () => {
  it("sends 25 events in 3 SendMessageBatch calls, with vendor/type/userId attributes", async () => {
    const { queueUrl } = await queues();
    const queue = new SqsJobQueue({ client: sqs, queueUrl });
    const events = Array.from({ length: 25 }, () => event());
    calls.reset();
    const result = await queue.enqueue(events);
    expect(calls.count("SendMessageBatchCommand")).toBe(3);
    expect(result.enqueued).toEqual(events.map((e) => e.id));
    expect(result.failed).toEqual([]);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"] }),
    );
    const attributes = received.Messages?.[0]?.MessageAttributes;
    expect(attributes?.vendor?.StringValue).toBe("whoop");
    expect(attributes?.type?.StringValue).toBe("recovery.updated");
    expect(attributes?.userId?.StringValue).toBe("vendor-user-1");
  });

  it("splits batches by total size, and reports an oversized event as failed instead of dropping it", async () => {
    const { queueUrl } = await queues();
    const queue = new SqsJobQueue({ client: sqs, queueUrl });
    const big = "x".repeat(60 * 1024);
    const events = Array.from({ length: 6 }, () => event({ data: big }));
    const oversized = event({ data: "y".repeat(300 * 1024) });
    calls.reset();
    const result = await queue.enqueue([...events.slice(0, 3), oversized, ...events.slice(3)]);
    expect(calls.count("SendMessageBatchCommand")).toBe(2); // 4 x 60 KiB fit in 256 KiB, 5 do not
    expect(result.enqueued).toEqual(events.map((e) => e.id));
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.event.id).toBe(oversized.id);
    expect(result.failed[0]?.reason).toMatch(/too large/);
  });

  it("shows a job not acked again after its visibility timeout, with receive count 2", async () => {
    const { queueUrl } = await queues();
    const queue = new SqsJobQueue({ client: sqs, queueUrl });
    const queued = event();
    await queue.enqueue([queued]);
    const [first] = await queue.receive({ visibilityTimeoutMs: 1_000 });
    expect(first?.receiveCount).toBe(1);
    expect(await queue.receive()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [second] = await queue.receive({ waitMs: 2_000 });
    expect(second?.job.event).toEqual(queued);
    expect(second?.receiveCount).toBe(2);
  });

  it("moves a job that keeps failing to the dead-letter queue after maxReceives deliveries (redrive policy)", async () => {
    const { queueUrl, deadLetterQueueUrl } = await queues({ maxReceives: 2 });
    const queue = new SqsJobQueue({ client: sqs, queueUrl });
    const queued = event();
    await queue.enqueue([queued]);
    for (let delivery = 1; delivery <= 2; delivery++) {
      const [received] = await queue.receive({ visibilityTimeoutMs: 60_000 });
      expect(received?.receiveCount).toBe(delivery);
      await queue.release(received!.receipt);
    }
    expect(await queue.receive()).toEqual([]);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl }));
    expect(dead.Messages?.map((message) => JSON.parse(message.Body ?? "{}").event.id)).toEqual([queued.id]);
    const policy = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    expect(JSON.parse(policy.Attributes?.RedrivePolicy ?? "{}").maxReceiveCount).toBe(2);
  });

  it("on a FIFO queue, deduplicates by event id and keeps a user's events in order", async () => {
    const { queueUrl } = await queues({ fifo: true });
    const queue = new SqsJobQueue({ client: sqs, queueUrl });
    const events = Array.from({ length: 4 }, () => event());
    const result = await queue.enqueue([...events, events[0]!]);
    expect(result.failed).toEqual([]);
    const received = [];
    for (let attempt = 0; attempt < 10 && received.length < 4; attempt++) {
      const batch = await queue.receive({ maxJobs: 10 });
      for (const job of batch) {
        received.push(job.job.event.id);
        await queue.ack(job.receipt);
      }
    }
    expect(received).toEqual(events.map((e) => e.id));
    expect(await queue.receive()).toEqual([]);
  });
});

describe("SQS job queue retries (scripted client)", () => {
  type Send = (command: { input: { Entries?: { Id?: string }[] } }) => Promise<unknown>;
  const scriptedClient = (send: Send) => ({ send }) as unknown as SQSClient;

  it("retries entries SQS failed on its side, and reports entries refused as the sender's fault", async () => {
    let call = 0;
    const client = scriptedClient(async (command) => {
      call += 1;
      const ids = (command.input.Entries ?? []).map((entry) => entry.Id ?? "");
      if (call === 1) {
        return {
          Successful: [{ Id: ids[0] }],
          Failed: [
            { Id: ids[1], Code: "InternalError", SenderFault: false },
            { Id: ids[2], Code: "InvalidMessageContents", SenderFault: true },
          ],
        };
      }
      return { Successful: ids.map((Id) => ({ Id })), Failed: [] };
    });
    const events = [event(), event(), event()];
    const queue = new SqsJobQueue({ client, queueUrl: "https://sqs.example/123/q", retryBaseDelayMs: 1 });
    const result = await queue.enqueue(events);
    expect(call).toBe(2);
    expect(result.enqueued).toEqual([events[0]!.id, events[1]!.id]);
    expect(result.failed).toEqual([{ event: events[2], reason: "SQS refused the message: InvalidMessageContents" }]);
  });

  it("reports every event as failed when SQS stays throttled, after backing off", async () => {
    let calls_ = 0;
    const client = scriptedClient(async () => {
      calls_ += 1;
      throw Object.assign(new Error("Rate exceeded for secret-queue"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
    });
    const events = Array.from({ length: 12 }, () => event());
    const queue = new SqsJobQueue({
      client,
      queueUrl: "https://sqs.example/123/q",
      retryBaseDelayMs: 1,
      maxSendAttempts: 3,
    });
    const result = await queue.enqueue(events);
    expect(calls_).toBe(6); // 2 batches x 3 attempts
    expect(result.enqueued).toEqual([]);
    expect(result.failed.map((failure) => failure.event.id)).toEqual(events.map((e) => e.id));
    expect(result.failed[0]?.reason).toBe("SQS SendMessageBatch failed: ThrottlingException (after 3 attempts)");
  });
});

describe("splitIntoBatches", () => {
  it("respects both the entry count and the byte total", () => {
    const sized = (bytes: number) => ({ bytes });
    expect(splitIntoBatches(Array.from({ length: 25 }, () => sized(1))).map((b) => b.length)).toEqual([10, 10, 5]);
    expect(splitIntoBatches([sized(100), sized(100), sized(100)], 10, 250).map((b) => b.length)).toEqual([2, 1]);
    expect(() => splitIntoBatches([sized(300)], 10, 250)).toThrow(RangeError);
  });
});
