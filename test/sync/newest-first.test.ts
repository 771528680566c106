import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stream } from "../../engine/manifest/manifest.generated.js";
import { deliveredIds, movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

/** A list with no time filter, newest first (Wahoo's workouts), read in 5-day windows. */
const newest: Stream = {
  name: "newest",
  request: { method: "GET", path: "/v1/newest" },
  records: "data",
  recordId: "id",
  cursor: "time",
  newestFirst: true,
  pagination: { type: "page", param: "page", size: 10, sizeParam: "per_page" },
  window: { maxSeconds: 5 * 86_400 },
};

describe("newestFirst: a list with no time filter, newest first", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
    // 30 days of records every 6 hours: 120 records, 12 pages of 10.
    seedRecords(api, "nf", { now: NOW, days: 30, stepMinutes: 360, prefix: "n" });
  });
  afterAll(() => api.close());

  it("each window delivers only its own records and stops paging after the page that reaches past its start", async () => {
    const harness = syncHarness(syncTestVendor(api.url, [newest], { backfillDays: 10 }), movableClock(NOW).clock);
    await harness.backfill("nf");

    const expected = api.records("nf").filter((record) => record.time >= NOW - 10 * DAY).map((record) => record.id);
    const ids = deliveredIds(harness.deliveries);
    expect(ids.sort()).toEqual(expected.sort());
    expect(ids).toHaveLength(40);

    // Two windows: [-10d, -5d) and [-5d, now). The newer one reads pages 1-3 (page 3 ends at -7.5d, past -5d); the
    // older one pages 1-5 (page 5 ends at -12.5d). The whole list would be 12 pages per window.
    const pages = api.requests.filter((request) => request.path === "/v1/newest").map((request) => Number(request.query.page));
    expect(pages.sort((a, b) => a - b)).toEqual([1, 1, 2, 2, 3, 3, 4, 5]);
    expect(harness.deliveries.filter((d) => d.event.type === "sync.completed")).toHaveLength(1);
  });
});
