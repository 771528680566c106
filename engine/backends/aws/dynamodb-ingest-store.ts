import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { AdmitResult, IngestDelivery, IngestFaultHook, IngestStore } from "../../ports/ingest-store.js";
import type { JobQueue } from "../../ports/job-queue.js";
import { awsErrorName, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore, type DynamoDbTableOptions } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, read, ttlSeconds } from "./table-schema.js";

export interface DynamoDbIngestStoreOptions extends DynamoDbTableOptions {
  /** Where the events go (SQS in production). */
  readonly jobQueue: JobQueue;
  /**
   * How long an `in_progress` record holds its delivery. A retry within it is asked to come back later; after it
   * (the process that claimed the delivery died) the retry is stored again. Default 30 s.
   */
  readonly claimSeconds?: number;
  /** Tests only: called between the steps of an admit (see IngestStep). */
  readonly faultHook?: IngestFaultHook;
}

const IN_PROGRESS = "in_progress";
const COMPLETED = "completed";

/**
 * The idempotency-record pattern on the `REPLAY#` items the replay cache also uses: a conditional PutItem claims the
 * delivery (`in_progress`, short expiry), the events go to SQS, and the record becomes `completed` for the replay TTL.
 * A crash after the claim leaves a record that expires by itself, so the vendor's later retry is stored (at least
 * once); a crash after the enqueue but before `completed` can only store the delivery twice, never lose it.
 */
export class DynamoDbIngestStore extends DynamoDbTableStore implements IngestStore {
  private readonly jobQueue: JobQueue;
  private readonly claimMs: number;
  private readonly faultHook: IngestFaultHook | undefined;

  constructor(options: DynamoDbIngestStoreOptions) {
    super(options);
    this.jobQueue = options.jobQueue;
    this.claimMs = Math.max(1, options.claimSeconds ?? 30) * 1000;
    this.faultHook = options.faultHook;
  }

  async admit({ events, replay }: IngestDelivery): Promise<AdmitResult> {
    if (!replay) return this.enqueue(events);
    const claim = randomUUID();
    const claimed = await this.claim(replay.key, claim);
    if (claimed) return claimed;
    await this.faultHook?.("claimed");

    const stored = await this.enqueue(events);
    if (stored.status !== "stored") {
      await this.release(replay.key, claim);
      return stored;
    }
    await this.faultHook?.("enqueued");
    // The events are stored: a failure from here on can only cost a duplicate when the vendor retries.
    await this.complete(replay.key, replay.ttlSeconds).catch(() => {});
    await this.faultHook?.("completed");
    return stored;
  }

  /** Undefined when this call now holds the delivery; otherwise the answer to give. */
  private async claim(key: string, claim: string): Promise<AdmitResult | undefined> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const now = this.clock();
    const expiresAt = now + this.claimMs;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...this.item(key, IN_PROGRESS, expiresAt), claim: av.s(claim) },
          // Items the replay cache wrote have no state: they count as completed.
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now",
          ExpressionAttributeNames: { "#pk": attr.pk, "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":now": av.n(now) },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return undefined;
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) return failedCall("PutItem", error);
      let existing = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (!existing) {
        try {
          existing = await this.read(key);
        } catch (readError) {
          return failedCall("GetItem", readError);
        }
      }
      // Gone since the check (a released claim): the retry will find the way free.
      if (!existing) return { status: "in_progress", retryAfterSeconds: 1 };
      if (read.s(existing, "state") !== IN_PROGRESS) return { status: "replayed" };
      const remainingMs = (read.n(existing, "expiresAt") ?? now) - now;
      return { status: "in_progress", retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
    }
  }

  private async enqueue(events: IngestDelivery["events"]): Promise<AdmitResult> {
    try {
      const result = await this.jobQueue.enqueue(events);
      if (result.failed.length > 0 || result.enqueued.length !== events.length) {
        return { status: "failed", reason: result.failed[0]?.reason ?? "not every event was enqueued" };
      }
      return { status: "stored", enqueued: result.enqueued };
    } catch (error) {
      return { status: "failed", reason: error instanceof Error ? error.message : "enqueue failed" };
    }
  }

  private async complete(key: string, ttlSecondsFromNow: number): Promise<void> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const expiresAt = this.clock() + ttlSecondsFromNow * 1000;
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: this.item(key, COMPLETED, expiresAt) }));
  }

  /** Gives the delivery up after a failed enqueue, so the vendor's retry is stored; only our own claim is removed. */
  private async release(key: string, claim: string): Promise<void> {
    const { DeleteItemCommand } = await loadDynamoDbSdk();
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.replay(key)),
          ConditionExpression: "#claim = :claim",
          ExpressionAttributeNames: { "#claim": "claim" },
          ExpressionAttributeValues: { ":claim": av.s(claim) },
        }),
      );
    } catch {
      // The claim expires by itself; until then the retry is asked to come back later.
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { GetItemCommand } = await loadDynamoDbSdk();
    const output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.replay(key)), ConsistentRead: true }));
    return output.Item;
  }

  private item(key: string, state: string, expiresAt: number): Record<string, AttributeValue> {
    return {
      ...keyOf(keys.replay(key)),
      type: av.s("replay"),
      state: av.s(state),
      expiresAt: av.n(expiresAt),
      [attr.ttl]: av.n(ttlSeconds(expiresAt)),
    };
  }
}

function failedCall(operation: string, error: unknown): AdmitResult {
  return { status: "failed", reason: `DynamoDB ${operation} failed: ${awsErrorName(error) ?? "UnknownError"}` };
}
