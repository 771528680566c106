import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KMSClient } from "@aws-sdk/client-kms";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import { KmsEnvelopeEncryptor } from "../../engine/backends/aws/kms-envelope-encryptor.js";
import { isConnectorError } from "../../engine/errors.js";
import { fakeClock } from "../embedded/fake-clock.js";
import {
  countCalls,
  createKmsKey,
  createTestTable,
  newDynamoDbClient,
  newKmsClient,
  testCredentials,
  testRegion,
} from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const kms = newKmsClient();
const kmsCalls = countCalls(kms);
let tableName: string;
let keyId: string;

beforeAll(async () => {
  [tableName, keyId] = await Promise.all([createTestTable(dynamodb), createKmsKey(kms)]);
});

afterAll(() => {
  dynamodb.destroy();
  kms.destroy();
});

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("KMS envelope encryptor", () => {
  it("reads 300 stored tokens of 30 users with one Decrypt per user, not per read", async () => {
    const store = new DynamoDbTokenStore({ client: dynamodb, tableName });
    const writer = new KmsEnvelopeEncryptor({ client: kms, keyId });
    const users = Array.from({ length: 30 }, (_, index) => `user-${index}`);
    kmsCalls.reset();
    for (const userId of users) {
      const sealedTokens = await writer.seal(encode(`tokens of ${userId}`), { vendor: "whoop", userId });
      await store.put({ vendor: "whoop", userId, status: "active", sealedTokens, updatedAt: Date.now() }, null);
    }
    expect(kmsCalls.count("GenerateDataKeyCommand")).toBe(users.length);

    // A fresh process: nothing cached yet.
    const reader = new KmsEnvelopeEncryptor({ client: kms, keyId });
    kmsCalls.reset();
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        users.map(async (userId) => {
          const connection = await store.get("whoop", userId);
          if (!connection) throw new Error(`no connection for ${userId}`);
          expect(decode(await reader.open(connection.sealedTokens, { vendor: "whoop", userId }))).toBe(
            `tokens of ${userId}`,
          );
        }),
      );
    }
    expect(kmsCalls.count("DecryptCommand")).toBe(users.length);
    expect(kmsCalls.total()).toBe(users.length);
  });

  it("makes one Decrypt for many concurrent reads of the same record", async () => {
    const context = { vendor: "oura", userId: "concurrent" };
    const envelope = await new KmsEnvelopeEncryptor({ client: kms, keyId }).seal(encode("x"), context);
    const reader = new KmsEnvelopeEncryptor({ client: kms, keyId });
    kmsCalls.reset();
    await Promise.all(Array.from({ length: 50 }, () => reader.open(envelope, context)));
    expect(kmsCalls.count("DecryptCommand")).toBe(1);
  });

  it("opens its own seals without calling KMS, and reuses a user's data key within the cache bounds", async () => {
    const encryptor = new KmsEnvelopeEncryptor({ client: kms, keyId });
    const context = { vendor: "polar", userId: "u1" };
    kmsCalls.reset();
    const first = await encryptor.seal(encode("one"), context);
    const second = await encryptor.seal(encode("two"), context);
    expect(decode(await encryptor.open(first, context))).toBe("one");
    expect(decode(await encryptor.open(second, context))).toBe("two");
    expect(second.encryptedDataKey).toBe(first.encryptedDataKey);
    expect(second.iv).not.toBe(first.iv);
    expect(kmsCalls.count("GenerateDataKeyCommand")).toBe(1);
    expect(kmsCalls.count("DecryptCommand")).toBe(0);
    await encryptor.seal(encode("three"), { vendor: "polar", userId: "u2" });
    expect(kmsCalls.count("GenerateDataKeyCommand")).toBe(2);
  });

  it("goes back to KMS when a cached key is too old or used too often", async () => {
    const time = fakeClock();
    const context = { vendor: "oura", userId: "bounded" };
    const envelope = await new KmsEnvelopeEncryptor({ client: kms, keyId }).seal(encode("x"), context);
    const reader = new KmsEnvelopeEncryptor({
      client: kms,
      keyId,
      clock: time.clock,
      dataKeyCache: { maxAgeMs: 60_000, maxUses: 3 },
    });
    kmsCalls.reset();
    for (let read = 0; read < 4; read++) await reader.open(envelope, context); // 1 decrypt + 3 uses, then used up
    expect(kmsCalls.count("DecryptCommand")).toBe(2);
    await time.advance(60_000);
    await reader.open(envelope, context);
    expect(kmsCalls.count("DecryptCommand")).toBe(3);
  });

  it("binds the envelope to KMS's EncryptionContext too: another user's context fails in KMS, not only in GCM", async () => {
    const envelope = await new KmsEnvelopeEncryptor({ client: kms, keyId }).seal(encode("x"), {
      vendor: "v",
      userId: "a",
    });
    const reader = new KmsEnvelopeEncryptor({ client: kms, keyId });
    kmsCalls.reset();
    const error = await reader.open(envelope, { vendor: "v", userId: "b" }).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "decryption_failed")).toBe(true);
    expect(kmsCalls.count("DecryptCommand")).toBe(1);
  });

  it("reports an unreachable KMS as backend_unavailable, without the plaintext", async () => {
    const unreachable = new KMSClient({
      endpoint: "http://127.0.0.1:9",
      region: testRegion,
      credentials: testCredentials,
      maxAttempts: 1,
    });
    const encryptor = new KmsEnvelopeEncryptor({ client: unreachable, keyId });
    const error = await encryptor
      .seal(encode("rt-SECRET-1"), { vendor: "whoop", userId: "u1" })
      .catch((caught: unknown) => caught);
    unreachable.destroy();
    expect(isConnectorError(error, "backend_unavailable")).toBe(true);
    const shown = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify((error as { details?: unknown }).details)}`;
    expect(shown).not.toContain("SECRET");
    expect(shown).not.toContain(testCredentials.secretAccessKey);
    // The cause is the root cause as plain data (AwsFailure), never the SDK error with its request and response.
    const cause = (error as Error).cause as Record<string, unknown>;
    expect(cause).toMatchObject({ name: "AwsFailure", errorCode: "ECONNREFUSED" });
    expect(Object.keys(cause)).not.toContain("$response");
    const deep = inspect(error, { depth: Infinity });
    expect(deep).not.toContain("SECRET");
    expect(deep).not.toContain(testCredentials.secretAccessKey);
  });
});
