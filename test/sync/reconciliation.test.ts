import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../engine/events.js";
import { deliveredIds, movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, SYNC_VENDOR, syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

describe("reconciliation", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
  });
  afterAll(() => api.close());

  it("with a third of the webhooks dropped, a reconciliation run delivers exactly the missing records", async () => {
    const time = movableClock(NOW);
    const vendor = syncTestVendor(api.url, [STREAMS.token], { backfillDays: 1, reconciliationSeconds: 3 * 86_400 });
    const harness = syncHarness(vendor, time.clock);
    await harness.connect("bob", "v-bob");
    // Connected before the records existed: the backfill finds nothing.
    await harness.engine.sync.connected(SYNC_VENDOR, "bob");
    await harness.drain();
    expect(deliveredIds(harness.deliveries)).toEqual([]);

    time.advance(2 * DAY);
    const records = seedRecords(api, "bob", { now: NOW + 2 * DAY, days: 2, stepMinutes: 30, prefix: "b" });
    const pushed = records.filter((_, i) => i % 3 !== 0);
    const dropped = records.filter((_, i) => i % 3 === 0);
    const events: NormalizedEvent[] = pushed.map((record) => ({
      id: `wh-${record.id}`,
      vendor: SYNC_VENDOR,
      type: "reading.created",
      userId: "v-bob",
      resourceId: record.id,
      delivery: "push",
      data: record,
      authenticity: "verified",
    }));
    await harness.engine.enqueueEvent(events);
    await harness.drain();
    expect(deliveredIds(harness.deliveries, "webhook")).toHaveLength(pushed.length);

    await harness.engine.sync.start(SYNC_VENDOR, "bob", { purpose: "reconciliation" });
    await harness.drain();
    const reconciled = deliveredIds(harness.deliveries, "reconciliation");
    expect(reconciled.sort()).toEqual(dropped.map((record) => record.id).sort());
    expect(harness.deliveries.filter((d) => d.source === "reconciliation").every((d) => d.stream === "token")).toBe(true);

    // Run again: nothing new was missed, nothing is sent twice.
    time.advance(3_600_000);
    await harness.engine.sync.start(SYNC_VENDOR, "bob", { purpose: "reconciliation" });
    await harness.drain();
    expect(deliveredIds(harness.deliveries, "reconciliation")).toHaveLength(dropped.length);
    const [status] = await harness.engine.sync.status(SYNC_VENDOR, "bob");
    expect(status?.last.reconciliation?.records).toBe(0);
  });

  it("the scheduler starts due poll and reconciliation runs once per period, and a missed backfill", async () => {
    const time = movableClock(NOW);
    const vendor = syncTestVendor(api.url, [STREAMS.token], { backfillDays: 1, reconciliationSeconds: 86_400, pollSeconds: 900 });
    const harness = syncHarness(vendor, time.clock);
    await harness.connect("carol");
    // No connected() call: the enqueue at connect time was lost. The scheduler notices and backfills.
    expect(await harness.engine.sync.startDueRuns()).toBe(1);
    await harness.drain();
    expect((await harness.engine.sync.status(SYNC_VENDOR, "carol"))[0]?.historicalComplete).toBe(true);

    expect(await harness.engine.sync.startDueRuns()).toBe(2); // poll and reconciliation never ran
    await harness.drain();
    expect(await harness.engine.sync.startDueRuns()).toBe(0);
    time.advance(900_000);
    expect(await harness.engine.sync.startDueRuns()).toBe(1); // the poll is due again, the reconciliation is not
    await harness.drain();
    api.add("carol", { id: "polled", time: time.clock() + 60_000, value: 5 });
    time.advance(900_000);
    expect(await harness.engine.sync.startDueRuns()).toBe(1);
    await harness.drain();
    expect(deliveredIds(harness.deliveries, "poll")).toEqual(["polled"]);
  });
});
