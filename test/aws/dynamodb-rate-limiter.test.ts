import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchingRateLimiter } from "../../engine/backends/aws/batching-rate-limiter.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/dynamodb-rate-limiter.js";
import type { RateWindow } from "../../engine/ports/rate-limiter.js";
import { fakeClock } from "../embedded/fake-clock.js";
import { countCalls, createTestTable, newDynamoDbClient, uniqueResourceName } from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const calls = countCalls(dynamodb);
let tableName: string;

beforeAll(async () => {
  tableName = await createTestTable(dynamodb);
});

afterAll(() => dynamodb.destroy());

const perMinute = (limit: number): RateWindow => ({ limit, periodSeconds: 60 });

describe("DynamoDB rate limiter", () => {
  it("makes one UpdateItem per granted take, and no call for a take its last answer already refuses", async () => {
    const time = fakeClock();
    const limiter = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    const key = uniqueResourceName("bucket");
    const windows = [perMinute(100), { limit: 1000, periodSeconds: 3600 }];
    calls.reset();
    for (let take = 0; take < 100; take++) expect((await limiter.take(key, windows)).granted).toBe(true);
    // The first take guesses "idle", the second "idle" wrongly (tat moved past now), then every guess is right.
    expect(calls.count("UpdateItemCommand")).toBeLessThanOrEqual(101);
    expect(calls.count("GetItemCommand")).toBe(0);
    calls.reset();
    const refused = await limiter.take(key, windows);
    expect(refused.granted).toBe(false);
    expect(calls.total()).toBeLessThanOrEqual(1);
    calls.reset();
    expect((await limiter.take(key, windows)).granted).toBe(false);
    expect(calls.total()).toBe(0);
  });

  it("shares one bucket between processes: 20 takers on two limiters get exactly the limit", async () => {
    const key = uniqueResourceName("bucket");
    const first = new DynamoDbRateLimiter({ client: dynamodb, tableName });
    const second = new DynamoDbRateLimiter({ client: dynamodb, tableName });
    await first.take(uniqueResourceName("warm"), [perMinute(5)]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).take(key, [perMinute(7)])),
    );
    const racing = results.filter((result) => result.granted).length;
    // Under contention a taker that loses every optimistic attempt is refused (and told when to retry): never more
    // than the limit, and what the race left is still there for takers that come afterwards.
    expect(racing).toBeLessThanOrEqual(7);
    let after = 0;
    while ((await first.take(key, [perMinute(7)])).granted) after++;
    expect(racing + after).toBe(7);
  });

  it("sees a pause set by another process", async () => {
    const time = fakeClock();
    const key = uniqueResourceName("bucket");
    const worker = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    const other = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    expect((await worker.take(key, [perMinute(100)])).granted).toBe(true);
    await other.pauseUntil(key, time.now() + 5_000);
    const refused = await worker.take(key, [perMinute(100)]);
    expect(refused).toEqual({ granted: false, retryInMs: 5_000 });
    await other.pauseUntil(key, time.now() + 1_000); // a shorter pause does not shorten the longer one
    expect(await worker.take(key, [perMinute(100)])).toEqual({ granted: false, retryInMs: 5_000 });
    await time.advance(5_000);
    expect((await worker.take(key, [perMinute(100)])).granted).toBe(true);
  });

  it("refuses a cost that no window can ever hold", async () => {
    const limiter = new DynamoDbRateLimiter({ client: dynamodb, tableName });
    await expect(limiter.take(uniqueResourceName("bucket"), [perMinute(5)], 6)).rejects.toThrow(RangeError);
  });
});

describe("batching rate limiter over DynamoDB", () => {
  it("takes k tokens per call: 100 requests cost 10 UpdateItems with batches of 10", async () => {
    const time = fakeClock();
    const shared = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    const limiter = new BatchingRateLimiter(shared, { batchSize: 10, clock: time.clock });
    const key = uniqueResourceName("bucket");
    calls.reset();
    for (let take = 0; take < 100; take++) expect((await limiter.take(key, [perMinute(1000)])).granted).toBe(true);
    expect(calls.count("UpdateItemCommand")).toBeLessThanOrEqual(11);
  });

  it("lets concurrent takes share one refill instead of each making its own", async () => {
    const time = fakeClock();
    const shared = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    const limiter = new BatchingRateLimiter(shared, { batchSize: 10, clock: time.clock });
    const key = uniqueResourceName("bucket");
    calls.reset();
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.take(key, [perMinute(1000)])));
    expect(results.every((result) => result.granted)).toBe(true);
    expect(calls.count("UpdateItemCommand")).toBeLessThanOrEqual(4);
  });

  it("never grants more than the shared limit across batching processes", async () => {
    const time = fakeClock();
    const key = uniqueResourceName("bucket");
    const processes = [0, 1, 2].map(
      () =>
        new BatchingRateLimiter(new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock }), {
          batchSize: 4,
          clock: time.clock,
        }),
    );
    let granted = 0;
    for (let round = 0; round < 10; round++) {
      for (const limiter of processes) if ((await limiter.take(key, [perMinute(20)])).granted) granted++;
    }
    expect(granted).toBeLessThanOrEqual(20);
    expect(granted).toBeGreaterThanOrEqual(16); // reserves held by the others are the only loss
  });

  it("drops its reserve when paused", async () => {
    const time = fakeClock();
    const shared = new DynamoDbRateLimiter({ client: dynamodb, tableName, clock: time.clock });
    const limiter = new BatchingRateLimiter(shared, { batchSize: 10, clock: time.clock });
    const key = uniqueResourceName("bucket");
    expect((await limiter.take(key, [perMinute(100)])).granted).toBe(true);
    await limiter.pauseUntil(key, time.now() + 1_000);
    expect((await limiter.take(key, [perMinute(100)])).granted).toBe(false);
    await time.advance(1_000);
    expect((await limiter.take(key, [perMinute(100)])).granted).toBe(true);
  });
});
