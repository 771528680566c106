import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import type { StoredConnection } from "../../engine/ports/token-store.js";
import { createTestTable, newDynamoDbClient } from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
let tableName: string;

beforeAll(async () => {
  tableName = await createTestTable(dynamodb);
});

afterAll(() => dynamodb.destroy());

const connection = (vendor: string, userId: string, vendorUserId?: string): Omit<StoredConnection, "version"> => ({
  vendor,
  userId,
  ...(vendorUserId ? { vendorUserId } : {}),
  status: "active",
  sealedTokens: { alg: "A256GCM", keyId: "k", encryptedDataKey: "edk", iv: "iv", ciphertext: "ct", tag: "tag" },
  updatedAt: 1,
});

describe("DynamoDB token store", () => {
  it("stores a connection under the documented keys", async () => {
    const store = new DynamoDbTokenStore({ client: dynamodb, tableName });
    await store.put(connection("whoop", "user-1", "vendor-9"), null);
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: "CONN#whoop#user-1" }, sk: { S: "CONN" } } }),
    );
    expect(Item?.gsi1pk?.S).toBe("VENDOR#whoop");
    expect(Item?.gsi1sk?.S).toBe("VUSER#vendor-9#USER#user-1");
    expect(Item?.version?.N).toBe("1");
    expect(Item?.ttl).toBeUndefined();
  });

  it("keeps ids containing the key separator apart", async () => {
    const store = new DynamoDbTokenStore({ client: dynamodb, tableName });
    await store.put(connection("v#1", "u", "a#USER#b"), null);
    await store.put(connection("v", "1#u", "a"), null);
    expect((await store.get("v#1", "u"))?.vendor).toBe("v#1");
    expect((await store.get("v", "1#u"))?.userId).toBe("1#u");
    expect((await store.findByVendorUserId("v#1", "a#USER#b"))?.userId).toBe("u");
    expect(await store.findByVendorUserId("v#1", "a")).toBeUndefined();
    expect((await store.listByVendor("v")).items.map((item) => item.userId)).toEqual(["1#u"]);
  });

  it("rejects a cursor it did not make", async () => {
    const store = new DynamoDbTokenStore({ client: dynamodb, tableName });
    await expect(store.listByVendor("whoop", { cursor: "not-a-cursor" })).rejects.toThrow(/cursor/);
  });
});
