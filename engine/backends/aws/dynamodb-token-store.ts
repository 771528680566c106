import type { AttributeValue, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { ConnectorError } from "../../errors.js";
import type { SealedEnvelope } from "../../ports/encryptor.js";
import type { ConnectionPage, StoredConnection, TokenStore } from "../../ports/token-store.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, gsi1Name, keyOf, keys, read, vendorUserPrefix } from "./table-schema.js";

const defaultPageSize = 100;
const maxPageSize = 1000;

/** Connections as `CONN#` items; versions are checked by a ConditionExpression, so concurrent writers cannot both win. */
export class DynamoDbTokenStore extends DynamoDbTableStore implements TokenStore {

  /** A GetItem of a key that never exists: half a read unit, and it fails when the table or the service is not there. */
  async ping(): Promise<void> {
    const { GetItemCommand } = await loadDynamoDbSdk();
    await awsCall("DynamoDB", "GetItem", () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf({ pk: "READYZ", sk: "READYZ" }), ProjectionExpression: "#pk", ExpressionAttributeNames: { "#pk": attr.pk } })),
    );
  }

  async get(vendor: string, userId: string): Promise<StoredConnection | undefined> {
    const { GetItemCommand } = await loadDynamoDbSdk();
    const output = await awsCall("DynamoDB", "GetItem", () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.connection(vendor, userId)),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item ? connectionFromItem(output.Item) : undefined;
  }

  async put(connection: Omit<StoredConnection, "version">, expectedVersion: number | null): Promise<StoredConnection> {
    const { PutItemCommand } = await loadDynamoDbSdk();
    const stored: StoredConnection = { ...connection, version: (expectedVersion ?? 0) + 1 };
    const guard: Pick<
      PutItemCommandInput,
      "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    > =
      expectedVersion === null
        ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": attr.pk } }
        : {
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": av.n(expectedVersion) },
          };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: connectionToItem(stored), ...guard }),
      );
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) {
        throw new ConnectorError(
          "version_conflict",
          expectedVersion === null
            ? "the connection already exists"
            : `the connection changed since version ${expectedVersion} was read`,
          { vendor: connection.vendor },
        );
      }
      throw backendUnavailable("DynamoDB", "PutItem", error);
    }
    return stored;
  }

  async delete(vendor: string, userId: string): Promise<boolean> {
    const { DeleteItemCommand } = await loadDynamoDbSdk();
    const output = await awsCall("DynamoDB", "DeleteItem", () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.connection(vendor, userId)),
          ReturnValues: "ALL_OLD",
        }),
      ),
    );
    return output.Attributes !== undefined;
  }

  /** Reads gsi1, which is eventually consistent: a connection written a moment ago may not be found yet. */
  async findByVendorUserId(vendor: string, vendorUserId: string): Promise<StoredConnection | undefined> {
    const { QueryCommand } = await loadDynamoDbSdk();
    const output = await awsCall("DynamoDB", "Query", () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: gsi1Name,
          KeyConditionExpression: "#gpk = :vendor AND begins_with(#gsk, :prefix)",
          ExpressionAttributeNames: { "#gpk": attr.gsi1pk, "#gsk": attr.gsi1sk },
          ExpressionAttributeValues: {
            ":vendor": av.s(keys.connectionsOfVendor(vendor)),
            ":prefix": av.s(vendorUserPrefix(vendorUserId)),
          },
        }),
      ),
    );
    const items = (output.Items ?? []).map(connectionFromItem);
    // Normally one. Several of our users linked to one vendor account: the most recently written wins, deterministically.
    return items.sort((a, b) => b.updatedAt - a.updatedAt || a.userId.localeCompare(b.userId))[0];
  }

  async listByVendor(vendor: string, options: { cursor?: string; limit?: number } = {}): Promise<ConnectionPage> {
    const { QueryCommand } = await loadDynamoDbSdk();
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? defaultPageSize)), maxPageSize);
    const startKey = options.cursor ? decodeCursor(options.cursor) : undefined;
    const output = await awsCall("DynamoDB", "Query", () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: gsi1Name,
          KeyConditionExpression: "#gpk = :vendor",
          ExpressionAttributeNames: { "#gpk": attr.gsi1pk },
          ExpressionAttributeValues: { ":vendor": av.s(keys.connectionsOfVendor(vendor)) },
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    const items = (output.Items ?? []).map(connectionFromItem);
    return output.LastEvaluatedKey ? { items, cursor: encodeCursor(output.LastEvaluatedKey) } : { items };
  }
}

function connectionToItem(connection: StoredConnection): Record<string, AttributeValue> {
  const key = keys.connection(connection.vendor, connection.userId);
  const item: Record<string, AttributeValue> = {
    ...keyOf(key),
    [attr.gsi1pk]: av.s(keys.connectionsOfVendor(connection.vendor)),
    [attr.gsi1sk]: av.s(keys.connectionInVendor(connection.userId, connection.vendorUserId)),
    type: av.s("connection"),
    vendor: av.s(connection.vendor),
    userId: av.s(connection.userId),
    version: av.n(connection.version),
    status: av.s(connection.status),
    sealedTokens: { M: envelopeToMap(connection.sealedTokens) },
    updatedAt: av.n(connection.updatedAt),
  };
  if (connection.vendorUserId !== undefined) item.vendorUserId = av.s(connection.vendorUserId);
  if (connection.accessTokenExpiresAt !== undefined) item.accessTokenExpiresAt = av.n(connection.accessTokenExpiresAt);
  return item;
}

function connectionFromItem(item: Record<string, AttributeValue>): StoredConnection {
  const sealed = item.sealedTokens;
  if (!sealed || !("M" in sealed) || !sealed.M) throw new TypeError("stored connection lacks sealedTokens");
  const vendorUserId = read.s(item, "vendorUserId");
  const accessTokenExpiresAt = read.n(item, "accessTokenExpiresAt");
  const status = read.requiredS(item, "status");
  return {
    vendor: read.requiredS(item, "vendor"),
    userId: read.requiredS(item, "userId"),
    version: read.requiredN(item, "version"),
    ...(vendorUserId !== undefined ? { vendorUserId } : {}),
    status: status === "reauthorization_required" ? "reauthorization_required" : "active",
    ...(accessTokenExpiresAt !== undefined ? { accessTokenExpiresAt } : {}),
    sealedTokens: envelopeFromMap(sealed.M),
    updatedAt: read.requiredN(item, "updatedAt"),
  };
}

function envelopeToMap(envelope: SealedEnvelope): Record<string, AttributeValue> {
  return {
    alg: av.s(envelope.alg),
    keyId: av.s(envelope.keyId),
    ...(envelope.encryptedDataKey !== undefined ? { encryptedDataKey: av.s(envelope.encryptedDataKey) } : {}),
    iv: av.s(envelope.iv),
    ciphertext: av.s(envelope.ciphertext),
    tag: av.s(envelope.tag),
  };
}

function envelopeFromMap(map: Record<string, AttributeValue>): SealedEnvelope {
  const encryptedDataKey = read.s(map, "encryptedDataKey");
  return {
    alg: "A256GCM",
    keyId: read.requiredS(map, "keyId"),
    ...(encryptedDataKey !== undefined ? { encryptedDataKey } : {}),
    iv: read.requiredS(map, "iv"),
    ciphertext: read.requiredS(map, "ciphertext"),
    tag: read.requiredS(map, "tag"),
  };
}

function encodeCursor(lastKey: Record<string, AttributeValue>): string {
  const plain = Object.fromEntries(Object.entries(lastKey).map(([name, value]) => [name, value.S ?? ""]));
  return Buffer.from(JSON.stringify(plain)).toString("base64url");
}

function decodeCursor(cursor: string): Record<string, AttributeValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new TypeError("invalid listByVendor cursor");
  }
  if (typeof parsed !== "object" || parsed === null) throw new TypeError("invalid listByVendor cursor");
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (!entries.every(([, value]) => typeof value === "string")) throw new TypeError("invalid listByVendor cursor");
  return Object.fromEntries(entries.map(([name, value]) => [name, av.s(value as string)]));
}
