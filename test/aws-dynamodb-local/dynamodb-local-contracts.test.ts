// The DynamoDB-backed port contracts (test/contracts) against AWS's own DynamoDB Local, started by global-setup.ts:
// a second, independent implementation of the DynamoDB API besides moto (test/aws/aws-contracts.test.ts runs the
// same suites there). Where the two disagree, one of them differs from DynamoDB: worth finding out which.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, inject } from "vitest";
import { DynamoDbLeaseManager } from "../../engine/backends/aws/dynamodb-lease-manager.js";
import { DynamoDbPendingAuthorizationStore } from "../../engine/backends/aws/dynamodb-pending-authorization-store.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/dynamodb-rate-limiter.js";
import { DynamoDbReplayCache } from "../../engine/backends/aws/dynamodb-replay-cache.js";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import { ensureTable } from "../../engine/backends/aws/ensure-table.js";
import { testCredentials, testRegion, uniqueResourceName } from "../aws/aws-test-support.js";
import {
  describeLeaseManagerContract,
  describePendingAuthorizationStoreContract,
  describeRateLimiterContract,
  describeReplayCacheContract,
  describeTokenStoreContract,
} from "../contracts/index.js";
import { fakeClock } from "../embedded/fake-clock.js";

const dynamodb = new DynamoDBClient({
  endpoint: inject("dynamoDbLocalEndpoint"),
  region: testRegion,
  credentials: testCredentials,
});
let tableName: string;

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-test");
  await ensureTable({ client: dynamodb, tableName, pollIntervalMs: 50 });
});

afterAll(() => {
  dynamodb.destroy();
});

// Every contract test uses unique keys, so one table serves them all.
const table = () => ({ client: dynamodb, tableName });

describeTokenStoreContract("DynamoDB Local", async () => ({ subject: new DynamoDbTokenStore(table()) }));

// DynamoDB never evaluates time itself (expiry is in the condition, from our clock), so a fake clock is faithful.
describePendingAuthorizationStoreContract("DynamoDB Local", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbPendingAuthorizationStore({ ...table(), clock: time.clock }), ...time };
});
describeReplayCacheContract("DynamoDB Local", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbReplayCache({ ...table(), clock: time.clock }), ...time };
});
describeLeaseManagerContract("DynamoDB Local", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbLeaseManager({ ...table(), clock: time.clock }), ...time };
});
describeRateLimiterContract("DynamoDB Local", async () => {
  const time = fakeClock();
  return { subject: new DynamoDbRateLimiter({ ...table(), clock: time.clock }), ...time };
});

// ...and once on the system clock, as production runs them.
describePendingAuthorizationStoreContract("DynamoDB Local, real time", async () => ({
  subject: new DynamoDbPendingAuthorizationStore(table()),
}));
describeReplayCacheContract("DynamoDB Local, real time", async () => ({ subject: new DynamoDbReplayCache(table()) }));
describeLeaseManagerContract("DynamoDB Local, real time", async () => ({ subject: new DynamoDbLeaseManager(table()) }));
describeRateLimiterContract("DynamoDB Local, real time", async () => ({ subject: new DynamoDbRateLimiter(table()) }));
