// One competitor in the multi-process race (multi-process.test.ts). Plain Node: it loads the AWS backends from an
// esbuild bundle of engine/backends/aws and the AWS SDK from node_modules, against the endpoint in AWS_ENDPOINT_URL.
// Prints the keys it won as JSON.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const [bundlePath, mode, tableName, keyPrefix, keyCount, startAt, seed] = process.argv.slice(2);
const { DynamoDbReplayCache, DynamoDbLeaseManager } = await import(bundlePath);

// Endpoint and region come from the environment, as in production (AWS_ENDPOINT_URL, AWS_REGION).
const client = new DynamoDBClient({});
const table = { client, tableName };
const keys = Array.from({ length: Number(keyCount) }, (_, index) => `${keyPrefix}-${index}`);

const race =
  mode === "replay"
    ? (() => {
        const cache = new DynamoDbReplayCache(table);
        return (key) => cache.firstSeen(key, 600);
      })()
    : (() => {
        const leases = new DynamoDbLeaseManager(table);
        return async (key) => (await leases.tryAcquire(key, 60_000)) !== undefined;
      })();

// Warm up the connection and the SDK before the start line, so both processes really start together.
await new DynamoDbReplayCache(table).firstSeen(`warmup-${process.pid}-${keyPrefix}`, 60);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));

// Each competitor walks the keys in its own random order, four at a time: it comes first to some keys, second to
// others, and at the same moment as its rival to a few.
const order = shuffled(keys, Number(seed));
const won = [];
const lanes = Array.from({ length: 4 }, async () => {
  for (let key = order.shift(); key !== undefined; key = order.shift()) if (await race(key)) won.push(key);
});
await Promise.all(lanes);
client.destroy();
process.stdout.write(JSON.stringify(won));

function shuffled(items, seedValue) {
  const result = [...items];
  let state = (seedValue * 2654435761 + 1) >>> 0;
  for (let index = result.length - 1; index > 0; index--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other], result[index]];
  }
  return result;
}
