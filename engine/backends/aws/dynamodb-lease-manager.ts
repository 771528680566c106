import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Lease, LeaseManager } from "../../ports/lease.js";
import { backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore, type DynamoDbTableOptions } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, ttlSeconds } from "./table-schema.js";

export interface DynamoDbLeaseManagerOptions extends DynamoDbTableOptions {
  /** Names this process in lease records (for operators). Each acquisition still gets a unique owner id. */
  readonly ownerPrefix?: string;
}

/**
 * `LEASE#` items. Acquire is a conditional PutItem (no item, or the holder's lease has lapsed); release is a DeleteItem
 * conditioned on the owner id, so a holder whose lease lapsed and was taken over cannot delete the new holder's lease.
 */
export class DynamoDbLeaseManager extends DynamoDbTableStore implements LeaseManager {
  private readonly ownerPrefix: string;

  constructor(options: DynamoDbLeaseManagerOptions) {
    super(options);
    this.ownerPrefix = options.ownerPrefix ?? `${hostname()}:${process.pid}`;
  }

  async tryAcquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const now = this.clock();
    const lease: Lease = { key, owner: `${this.ownerPrefix}:${randomUUID()}`, expiresAt: now + ttlMs };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.lease(key)),
            type: av.s("lease"),
            owner: av.s(lease.owner),
            expiresAt: av.n(lease.expiresAt),
            [attr.ttl]: av.n(ttlSeconds(lease.expiresAt)),
          },
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now",
          ExpressionAttributeNames: { "#pk": attr.pk, "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":now": av.n(now) },
        }),
      );
      return lease;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return undefined;
      throw backendUnavailable("DynamoDB", "PutItem", error);
    }
  }

  async release(lease: Lease): Promise<void> {
    const { DeleteItemCommand } = await loadDynamoDbSdk();
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.lease(lease.key)),
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": av.s(lease.owner) },
        }),
      );
    } catch (error) {
      // Someone else holds it now (ours lapsed), or it is gone: nothing of ours to release.
      if (isAwsError(error, "ConditionalCheckFailedException")) return;
      throw backendUnavailable("DynamoDB", "DeleteItem", error);
    }
  }
}
