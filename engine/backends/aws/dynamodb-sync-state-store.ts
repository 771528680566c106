import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { sleep } from "../../clock.js";
import type { StreamCheckpoint, SyncState, SyncStateStore } from "../../ports/sync-state-store.js";
import { checkpointConflict } from "../embedded/memory-sync-state-store.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, read, ttlSeconds } from "./table-schema.js";

/** DynamoDB caps BatchGetItem at 100 keys and BatchWriteItem at 25 items. */
const GET_BATCH = 100;
const WRITE_BATCH = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

/**
 * `SYNC#` checkpoint items (one partition per user, one item per stream; versions checked by a ConditionExpression)
 * and `SYNCREC#` delivered-record items, which DynamoDB's TTL removes after their expiry (reads check it too).
 */
export class DynamoDbSyncStateStore extends DynamoDbTableStore implements SyncStateStore {

  async getCheckpoint(vendor: string, userId: string, stream: string): Promise<StreamCheckpoint | undefined> {
    const { GetItemCommand } = await loadDynamoDbSdk();
    const output = await awsCall("DynamoDB", "GetItem", () =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.syncCheckpoint(vendor, userId, stream)), ConsistentRead: true }),
      ),
    );
    return output.Item ? checkpointFromItem(output.Item) : undefined;
  }

  async putCheckpoint(checkpoint: Omit<StreamCheckpoint, "version">, expectedVersion: number | null): Promise<StreamCheckpoint> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const stored: StreamCheckpoint = { ...checkpoint, version: (expectedVersion ?? 0) + 1 };
    const item: Record<string, AttributeValue> = {
      ...keyOf(keys.syncCheckpoint(checkpoint.vendor, checkpoint.userId, checkpoint.stream)),
      type: av.s("sync-checkpoint"),
      vendor: av.s(checkpoint.vendor),
      userId: av.s(checkpoint.userId),
      stream: av.s(checkpoint.stream),
      version: av.n(stored.version),
      state: av.s(JSON.stringify(checkpoint.state)),
      updatedAt: av.n(checkpoint.updatedAt),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ...(expectedVersion === null
            ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": attr.pk } }
            : {
                ConditionExpression: "#version = :expected",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":expected": av.n(expectedVersion) },
              }),
        }),
      );
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) throw checkpointConflict(checkpoint.vendor, expectedVersion);
      throw backendUnavailable("DynamoDB", "PutItem", error);
    }
    return { ...stored, state: JSON.parse(JSON.stringify(checkpoint.state)) as SyncState };
  }

  async listCheckpoints(vendor: string, userId: string): Promise<StreamCheckpoint[]> {
    const { QueryCommand } = await loadDynamoDbSdk();
    const found: StreamCheckpoint[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await awsCall("DynamoDB", "Query", () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :stream)",
            ExpressionAttributeNames: { "#pk": attr.pk, "#sk": attr.sk },
            ExpressionAttributeValues: { ":pk": av.s(keys.syncCheckpointsOf(vendor, userId)), ":stream": av.s("STREAM#") },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? []) found.push(checkpointFromItem(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return found.sort((a, b) => (a.stream < b.stream ? -1 : 1));
  }

  async findDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[]): Promise<Set<string>> {
    const { BatchGetItemCommand } = await loadDynamoDbSdk();
    const found = new Set<string>();
    const now = this.clock();
    const unique = [...new Set(recordIds)];
    for (let start = 0; start < unique.length; start += GET_BATCH) {
      let pending: Record<string, AttributeValue>[] = unique
        .slice(start, start + GET_BATCH)
        .map((id) => keyOf(keys.syncDelivered(vendor, userId, stream, id)));
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw backendUnavailable("DynamoDB", "BatchGetItem", new Error("keys left unprocessed"));
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const keysToRead = pending;
        const output = await awsCall("DynamoDB", "BatchGetItem", () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keysToRead, ConsistentRead: true } } })),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const id = read.s(item, "recordId");
          if (id !== undefined && (read.n(item, "expiresAt") ?? 0) > now) found.add(id);
        }
        pending = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, AttributeValue>[];
      }
    }
    return found;
  }

  async markDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[], expiresAt: number): Promise<void> {
    const { BatchWriteItemCommand } = await loadDynamoDbSdk();
    const unique = [...new Set(recordIds)];
    for (let start = 0; start < unique.length; start += WRITE_BATCH) {
      let pending = unique.slice(start, start + WRITE_BATCH).map((id) => ({
        PutRequest: {
          Item: {
            ...keyOf(keys.syncDelivered(vendor, userId, stream, id)),
            type: av.s("sync-delivered"),
            recordId: av.s(id),
            expiresAt: av.n(expiresAt),
            [attr.ttl]: av.n(ttlSeconds(expiresAt)),
          },
        },
      }));
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw backendUnavailable("DynamoDB", "BatchWriteItem", new Error("items left unprocessed"));
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const requests = pending;
        const output = await awsCall("DynamoDB", "BatchWriteItem", () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        pending = (output.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }
}

function checkpointFromItem(item: Record<string, AttributeValue>): StreamCheckpoint {
  return {
    vendor: read.requiredS(item, "vendor"),
    userId: read.requiredS(item, "userId"),
    stream: read.requiredS(item, "stream"),
    version: read.requiredN(item, "version"),
    state: JSON.parse(read.requiredS(item, "state")) as SyncState,
    updatedAt: read.requiredN(item, "updatedAt"),
  };
}
