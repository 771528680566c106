// The DynamoDB-backed port contracts, registered once for any DynamoDB implementation: moto (aws-contracts.test.ts)
// and AWS's DynamoDB Local (test/aws-dynamodb-local). Every contract test uses unique keys, so one table serves all.
import { DynamoDbLeaseManager } from "../../engine/backends/aws/dynamodb-lease-manager.js";
import { DynamoDbPendingAuthorizationStore } from "../../engine/backends/aws/dynamodb-pending-authorization-store.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/dynamodb-rate-limiter.js";
import { DynamoDbReplayCache } from "../../engine/backends/aws/dynamodb-replay-cache.js";
import type { DynamoDbTableOptions } from "../../engine/backends/aws/dynamodb-table.js";
import { DynamoDbSyncStateStore } from "../../engine/backends/aws/dynamodb-sync-state-store.js";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import {
  describeLeaseManagerContract,
  describePendingAuthorizationStoreContract,
  describeRateLimiterContract,
  describeReplayCacheContract,
  describeSyncStateStoreContract,
  describeTokenStoreContract,
} from "../contracts/index.js";
import { fakeClock } from "../embedded/fake-clock.js";

/** `table` is read when each test runs, after the suite's beforeAll has created the table. */
export function describeDynamoDbContracts(name: string, table: () => DynamoDbTableOptions): void {
  describeTokenStoreContract(name, async () => ({ subject: new DynamoDbTokenStore(table()) }));
  describeSyncStateStoreContract(name, async () => {
    const time = fakeClock();
    return { subject: new DynamoDbSyncStateStore({ ...table(), clock: time.clock }), ...time };
  });

  // DynamoDB never evaluates time itself (expiry is in the condition, from our clock), so a fake clock is faithful.
  describePendingAuthorizationStoreContract(name, async () => {
    const time = fakeClock();
    return { subject: new DynamoDbPendingAuthorizationStore({ ...table(), clock: time.clock }), ...time };
  });
  describeReplayCacheContract(name, async () => {
    const time = fakeClock();
    return { subject: new DynamoDbReplayCache({ ...table(), clock: time.clock }), ...time };
  });
  describeLeaseManagerContract(name, async () => {
    const time = fakeClock();
    return { subject: new DynamoDbLeaseManager({ ...table(), clock: time.clock }), ...time };
  });
  describeRateLimiterContract(name, async () => {
    const time = fakeClock();
    return { subject: new DynamoDbRateLimiter({ ...table(), clock: time.clock }), ...time };
  });

  // ...and once on the system clock, as production runs them.
  const realTime = `${name}, real time`;
  describePendingAuthorizationStoreContract(realTime, async () => ({ subject: new DynamoDbPendingAuthorizationStore(table()) }));
  describeReplayCacheContract(realTime, async () => ({ subject: new DynamoDbReplayCache(table()) }));
  describeLeaseManagerContract(realTime, async () => ({ subject: new DynamoDbLeaseManager(table()) }));
  describeRateLimiterContract(realTime, async () => ({ subject: new DynamoDbRateLimiter(table()) }));
}
