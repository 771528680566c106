import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { PendingAuthorization, PendingAuthorizationStore } from "../../ports/pending-authorization-store.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, read, ttlSeconds } from "./table-schema.js";

/**
 * `PENDING#` items with TTL. consume is one conditional DeleteItem returning the old item: the condition makes
 * "exactly one consumer gets it" explicit (DynamoDB Local hands the old item to several concurrent unconditional
 * deletes), so a state is used once whatever the implementation serialises.
 */
export class DynamoDbPendingAuthorizationStore extends DynamoDbTableStore implements PendingAuthorizationStore {

  async save(pending: PendingAuthorization): Promise<void> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    await awsCall("DynamoDB", "PutItem", () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: pendingToItem(pending) })),
    );
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    const { DeleteItemCommand } = await loadDynamoDbSdk();
    let output;
    try {
      output = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.pendingAuthorization(state)),
          ConditionExpression: "attribute_exists(#pk)",
          ExpressionAttributeNames: { "#pk": attr.pk },
          ReturnValues: "ALL_OLD",
        }),
      );
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return undefined; // unknown, or consumed already
      throw backendUnavailable("DynamoDB", "DeleteItem", error);
    }
    if (!output.Attributes) return undefined;
    const pending = pendingFromItem(output.Attributes);
    // TTL deletion runs late (hours to days), so an expired record can still be there.
    return pending.expiresAt > this.clock() ? pending : undefined;
  }
}

function pendingToItem(pending: PendingAuthorization): Record<string, AttributeValue> {
  return {
    ...keyOf(keys.pendingAuthorization(pending.state)),
    type: av.s("pending_authorization"),
    state: av.s(pending.state),
    vendor: av.s(pending.vendor),
    userId: av.s(pending.userId),
    redirectUri: av.s(pending.redirectUri),
    ...(pending.codeVerifier !== undefined ? { codeVerifier: av.s(pending.codeVerifier) } : {}),
    ...(pending.browserBindingHash !== undefined ? { browserBindingHash: av.s(pending.browserBindingHash) } : {}),
    scopes: av.ss(pending.scopes),
    createdAt: av.n(pending.createdAt),
    expiresAt: av.n(pending.expiresAt),
    [attr.ttl]: av.n(ttlSeconds(pending.expiresAt)),
  };
}

function pendingFromItem(item: Record<string, AttributeValue>): PendingAuthorization {
  const codeVerifier = read.s(item, "codeVerifier");
  const browserBindingHash = read.s(item, "browserBindingHash");
  return {
    state: read.requiredS(item, "state"),
    vendor: read.requiredS(item, "vendor"),
    userId: read.requiredS(item, "userId"),
    redirectUri: read.requiredS(item, "redirectUri"),
    ...(codeVerifier !== undefined ? { codeVerifier } : {}),
    ...(browserBindingHash !== undefined ? { browserBindingHash } : {}),
    scopes: read.strings(item, "scopes"),
    createdAt: read.requiredN(item, "createdAt"),
    expiresAt: read.requiredN(item, "expiresAt"),
  };
}
