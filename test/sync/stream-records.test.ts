import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineVendor } from "../../engine/manifest/loader.js";
import { movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);

/** The test vendor with a records mapping for its `token` stream: each reading is a resting heart rate. */
function vendorWithRecords(apiUrl: string) {
  const base = syncTestVendor(apiUrl, [STREAMS.token], { backfillDays: 1 });
  return defineVendor(
    {
      ...structuredClone(base.manifest),
      records: [{ streams: ["token"], map: '{ "type": "resting_heart_rate", "vendorRecordId": id, "effectiveTimeFrame": { "dateTime": $fromSeconds(time / 1000) }, "heartRate": $quantity(value, "{beats}/min") }' }],
    } as never,
    "test:sync-records",
  );
}

describe("stream records reach the sink normalized", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
    // value is n % 300: the first reading's 0 is no heart rate (the schema wants more than 0), so its mapping fails.
    seedRecords(api, "rita", { now: NOW, days: 1, stepMinutes: 240, prefix: "hr-" });
  });
  afterAll(() => api.close());

  it("each backfilled record carries its records like a webhook delivery; an invalid one carries the raw data and the reason", async () => {
    const harness = syncHarness(vendorWithRecords(api.url), movableClock(NOW).clock);
    await harness.backfill("rita", "v-rita");
    const read = harness.deliveries.filter((d) => d.event.type !== "sync.completed");
    expect(read).toHaveLength(6);
    for (const delivery of read) {
      const reading = api.records("rita").find((record) => record.id === delivery.event.resourceId)!;
      expect(delivery).toMatchObject({ source: "backfill", stream: "token", data: reading });
      if (reading.value === 0) {
        expect(delivery.records).toEqual([]);
        expect(delivery.recordError?.code).toBe("record_invalid");
        continue;
      }
      expect(delivery.recordError).toBeUndefined();
      expect(delivery.records).toEqual([
        {
          id: expect.any(String),
          type: "resting_heart_rate",
          provenance: { vendor: "sync-test", vendorRecordId: reading.id, vendorUserId: "v-rita", fetchedAt: new Date(NOW).toISOString() },
          effectiveTimeFrame: { dateTime: new Date(reading.time).toISOString() },
          heartRate: { value: reading.value, unit: "{beats}/min" },
        },
      ]);
    }
    expect(read.filter((d) => d.recordError)).toHaveLength(1);
  });
});
