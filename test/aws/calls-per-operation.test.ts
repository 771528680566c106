// Measures the AWS calls each engine operation costs (the numbers in docs/aws.md) and keeps them from creeping up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchingRateLimiter } from "../../engine/backends/aws/batching-rate-limiter.js";
import { createAwsBackends, type AwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/dynamodb-rate-limiter.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { KmsEnvelopeEncryptor } from "../../engine/backends/aws/kms-envelope-encryptor.js";
import type { NormalizedEvent } from "../../engine/events.js";
import {
  countCalls,
  createKmsKey,
  newDynamoDbClient,
  newKmsClient,
  newSqsClient,
  uniqueResourceName,
  type CallCounter,
} from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const sqs = newSqsClient();
const kms = newKmsClient();
const counters = { dynamodb: countCalls(dynamodb), sqs: countCalls(sqs), kms: countCalls(kms) };
let backends: AwsBackends & { encryptor: KmsEnvelopeEncryptor };
let close: (() => Promise<void>) | undefined;
let tableName: string;
const measured: Record<string, string> = {};

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-calls");
  const [made, kmsKeyId] = await Promise.all([
    initAws({ tableName, queueName: uniqueResourceName("jobs"), clients: { dynamodb, sqs } }),
    createKmsKey(kms),
  ]);
  if (!made.queueUrl) throw new Error("initAws made no queue");
  const created = await createAwsBackends({
    tableName,
    queueUrl: made.queueUrl,
    kmsKeyId,
    clients: { dynamodb, sqs, kms },
  });
  expect(created.encryptor).toBeInstanceOf(KmsEnvelopeEncryptor);
  backends = created as typeof backends;
  close = created.close;
});

afterAll(async () => {
  await close?.();
  console.log(
    `AWS calls per operation (measured against moto):\n${Object.entries(measured)
      .map(([operation, calls]) => `  ${operation}: ${calls}`)
      .join("\n")}`,
  );
  dynamodb.destroy();
  sqs.destroy();
  kms.destroy();
});

function resetCounts(): void {
  for (const counter of Object.values(counters)) counter.reset();
}

function describeCounts(): string {
  const parts: string[] = [];
  for (const [service, counter] of Object.entries(counters) as [string, CallCounter][]) {
    for (const [command, count] of counter.counts)
      parts.push(`${service} ${command.replace(/Command$/, "")} x${count}`);
  }
  return parts.join(", ") || "none";
}

async function measure(operation: string, run: () => Promise<unknown>): Promise<Record<string, number>> {
  resetCounts();
  await run();
  measured[operation] = describeCounts();
  const flat: Record<string, number> = {};
  for (const counter of Object.values(counters)) {
    for (const [command, count] of counter.counts) flat[command.replace(/Command$/, "")] = count;
  }
  return flat;
}

const encode = (text: string) => new TextEncoder().encode(text);

function event(userId: string): NormalizedEvent {
  return {
    id: uniqueResourceName("event"),
    vendor: "whoop",
    type: "sleep.updated",
    userId,
    delivery: "push",
    data: {},
    authenticity: "verified",
  };
}

describe("AWS calls per operation", () => {
  it("token read: 1 GetItem; 1 Decrypt only on a cold cache", async () => {
    const context = { vendor: "whoop", userId: "reader" };
    const sealedTokens = await backends.encryptor.seal(encode("tokens"), context);
    await backends.tokenStore.put({ ...context, status: "active", sealedTokens, updatedAt: 1 }, null);
    backends.encryptor.clearCache();
    const read = async () => {
      const connection = await backends.tokenStore.get(context.vendor, context.userId);
      await backends.encryptor.open(connection!.sealedTokens, context);
    };
    expect(await measure("token read, cold process", read)).toEqual({ GetItem: 1, Decrypt: 1 });
    expect(await measure("token read, steady state", read)).toEqual({ GetItem: 1 });
  });

  it("token refresh: lease, read, seal, compare-and-set write, release", async () => {
    const context = { vendor: "whoop", userId: "refresher" };
    const first = await backends.tokenStore.put(
      {
        ...context,
        status: "active",
        sealedTokens: await backends.encryptor.seal(encode("v1"), context),
        updatedAt: 1,
      },
      null,
    );
    backends.encryptor.clearCache();
    const refresh = async () => {
      const lease = await backends.leases.tryAcquire(`refresh:${context.vendor}:${context.userId}`, 30_000);
      const current = await backends.tokenStore.get(context.vendor, context.userId);
      await backends.encryptor.open(current!.sealedTokens, context);
      const sealedTokens = await backends.encryptor.seal(encode("v2"), context);
      await backends.tokenStore.put({ ...context, status: "active", sealedTokens, updatedAt: 2 }, current!.version);
      await backends.leases.release(lease!);
    };
    expect(first.version).toBe(1);
    expect(await measure("token refresh (lease + read + seal + write + release)", refresh)).toEqual({
      PutItem: 2,
      GetItem: 1,
      DeleteItem: 1,
      Decrypt: 1,
      GenerateDataKey: 1,
    });
  });

  it("webhook delivery: idempotency record (claim, then completed), user lookup, one SendMessageBatch per 10 events", async () => {
    await backends.tokenStore.put(
      {
        vendor: "whoop",
        userId: "hooked",
        vendorUserId: "w-1",
        status: "active",
        sealedTokens: await backends.encryptor.seal(encode("t"), { vendor: "whoop", userId: "hooked" }),
        updatedAt: 1,
      },
      null,
    );
    const deliver = (events: number) => async () => {
      const batch = Array.from({ length: events }, () => event("w-1"));
      const admitted = await backends.ingest.admit({ events: batch, replay: { key: uniqueResourceName("delivery"), ttlSeconds: 300 } });
      expect(admitted.status).toBe("stored");
      expect((await backends.tokenStore.findByVendorUserId("whoop", "w-1"))?.userId).toBe("hooked");
    };
    expect(await measure("webhook delivery with 1 event", deliver(1))).toEqual({
      PutItem: 2,
      Query: 1,
      SendMessageBatch: 1,
    });
    expect(await measure("webhook delivery with 25 events", deliver(25))).toEqual({
      PutItem: 2,
      Query: 1,
      SendMessageBatch: 3,
    });
  });

  it("worker job: one ReceiveMessage per up to 10 jobs, one DeleteMessage per job", async () => {
    const received = await measure("worker receive of 10 jobs", async () => {
      const jobs = await backends.jobQueue.receive({ maxJobs: 10, visibilityTimeoutMs: 30_000 });
      expect(jobs).toHaveLength(10);
      for (const job of jobs) await backends.jobQueue.ack(job.receipt);
    });
    expect(received).toEqual({ ReceiveMessage: 1, DeleteMessage: 10 });
  });

  it("rate-limited vendor request: 1 UpdateItem per take, 1 per 10 takes when batching 10", async () => {
    const windows = [
      { limit: 100, periodSeconds: 60 },
      { limit: 10_000, periodSeconds: 86_400 },
    ];
    const limiter = new DynamoDbRateLimiter({ client: dynamodb, tableName });
    const key = uniqueResourceName("vendor");
    await limiter.take(key, windows);
    await limiter.take(key, windows); // learns that the bucket is busy
    const steady = await measure("rate-limit take, steady state (x50)", async () => {
      for (let take = 0; take < 50; take++) expect((await limiter.take(key, windows)).granted).toBe(true);
    });
    expect(steady).toEqual({ UpdateItem: 50 });
    const batching = new BatchingRateLimiter(new DynamoDbRateLimiter({ client: dynamodb, tableName }), {
      batchSize: 10,
    });
    const batchKey = uniqueResourceName("vendor");
    const batched = await measure("rate-limit take, batches of 10 (x50)", async () => {
      for (let take = 0; take < 50; take++) expect((await batching.take(batchKey, windows)).granted).toBe(true);
    });
    expect(batched.UpdateItem).toBeLessThanOrEqual(6);
  });

  it("OAuth round trip: save and consume the pending authorization", async () => {
    const now = Date.now();
    const counts = await measure("authorization start + callback (pending state)", async () => {
      const state = uniqueResourceName("state");
      await backends.pendingAuthorizations.save({
        state,
        vendor: "whoop",
        userId: "u",
        redirectUri: "https://app.example/callback",
        scopes: ["read"],
        createdAt: now,
        expiresAt: now + 600_000,
      });
      expect(await backends.pendingAuthorizations.consume(state)).toBeDefined();
    });
    expect(counts).toEqual({ PutItem: 1, DeleteItem: 1 });
  });
});
