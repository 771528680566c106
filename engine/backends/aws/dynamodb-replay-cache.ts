import type { ReplayCache } from "../../ports/replay-cache.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, ttlSeconds } from "./table-schema.js";

/**
 * `REPLAY#` items. One conditional PutItem per check: it succeeds when the key is new or its record has expired
 * (TTL deletes late, so expiry is part of the condition), and fails for everyone else, in every process.
 */
export class DynamoDbReplayCache extends DynamoDbTableStore implements ReplayCache {

  async firstSeen(key: string, ttlSecondsFromNow: number): Promise<boolean> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const now = this.clock();
    const expiresAt = now + ttlSecondsFromNow * 1000;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.replay(key)),
            type: av.s("replay"),
            expiresAt: av.n(expiresAt),
            [attr.ttl]: av.n(ttlSeconds(expiresAt)),
          },
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now",
          ExpressionAttributeNames: { "#pk": attr.pk, "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":now": av.n(now) },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw backendUnavailable("DynamoDB", "PutItem", error);
    }
  }

  async forget(key: string): Promise<void> {
    const { DeleteItemCommand } = await loadDynamoDbSdk();
    await awsCall("DynamoDB", "DeleteItem", () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.replay(key)) })),
    );
  }
}
