import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { createKeyring, KEY_BYTES, LocalKeyEncryptor } from "../../engine/backends/embedded/local-key-encryptor.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { Backends } from "../../engine/ports/backends.js";
import { deliveredIds, movableClock, syncHarness } from "../sync/support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "../sync/support/records-api.js";
import { STREAMS, SYNC_VENDOR, syncTestVendor } from "../sync/support/sync-vendor.js";
import { newDynamoDbClient, newSqsClient, uniqueResourceName } from "./aws-test-support.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

describe("pull sync on the AWS backends (DynamoDB checkpoints and marks, SQS jobs)", () => {
  let api: RecordsApi;
  const dynamodb = newDynamoDbClient();
  const sqs = newSqsClient();
  let tableName: string;
  let queueUrl: string;

  beforeAll(async () => {
    api = await startRecordsApi();
    tableName = uniqueResourceName("synheart-sync");
    const made = await initAws({ tableName, queueName: uniqueResourceName("sync-jobs"), clients: { dynamodb, sqs } });
    queueUrl = made.queueUrl ?? "";
  });
  afterAll(async () => {
    await api.close();
    dynamodb.destroy();
    sqs.destroy();
  });

  const awsBackends = async (clock: () => number): Promise<Backends> =>
    createAwsBackends({
      tableName,
      queueUrl,
      clients: { dynamodb, sqs },
      clock,
      encryptor: new LocalKeyEncryptor(createKeyring([{ id: "k", key: randomBytes(KEY_BYTES) }])),
    });

  it("backfill: every record once and a completion; reconciliation: only what the webhooks dropped", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(syncTestVendor(api.url, [STREAMS.token], { backfillDays: 10, reconciliationSeconds: 2 * 86_400 }), time.clock, await awsBackends(time.clock));
    const seeded = seedRecords(api, "aws-user", { now: NOW, days: 10, stepMinutes: 240 });
    await harness.connect("aws-user");
    await harness.engine.sync.connected(SYNC_VENDOR, "aws-user");
    await harness.drain();
    const ids = deliveredIds(harness.deliveries, "backfill");
    expect(ids.sort()).toEqual(seeded.map((r) => r.id).sort());
    expect(harness.deliveries.filter((d) => d.event.type === "sync.completed")).toHaveLength(1);

    time.advance(DAY);
    const fresh = seedRecords(api, "aws-user", { now: NOW + DAY, days: 1, stepMinutes: 60, prefix: "late" });
    const events: NormalizedEvent[] = fresh
      .filter((_, i) => i % 3 !== 0)
      .map((record) => ({ id: `wh-${record.id}`, vendor: SYNC_VENDOR, type: "reading.created", userId: "v-aws-user", resourceId: record.id, delivery: "push", data: record, authenticity: "verified" }));
    await harness.engine.enqueueEvent(events);
    await harness.drain();
    await harness.engine.sync.start(SYNC_VENDOR, "aws-user", { purpose: "reconciliation" });
    await harness.drain();
    expect(deliveredIds(harness.deliveries, "reconciliation").sort()).toEqual(fresh.filter((_, i) => i % 3 === 0).map((r) => r.id).sort());
    const [status] = await harness.engine.sync.status(SYNC_VENDOR, "aws-user");
    expect(status).toMatchObject({ historicalComplete: true, running: [] });
    await harness.backends.close();
  });
});
