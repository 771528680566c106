import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectorError } from "../../engine/errors.js";
import type { Stream } from "../../engine/manifest/manifest.generated.js";
import { deliveredIds, movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { SYNC_VENDOR, syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

const withingsMeasures: Stream = {
  name: "measures",
  request: {
    method: "POST",
    path: "/measure",
    form: { action: "getmeas", startdate: "{window.start}", enddate: "{window.end}" },
    timeFormat: "epoch-seconds",
    success: "status = 0",
  },
  records: "body.measuregrps",
  recordId: "$string(grpid)",
  cursor: "date",
  pagination: { type: "token", next: "body.more = 1 ? body.offset", param: "offset" },
  window: { maxSeconds: 30 * 86_400 },
};

const garminBackfill: Stream = {
  name: "dailies",
  mode: "request",
  request: {
    method: "GET",
    path: "/wellness-api/rest/backfill/dailies",
    query: { summaryStartTimeInSeconds: "{window.start}", summaryEndTimeInSeconds: "{window.end}" },
    timeFormat: "epoch-seconds",
    acceptStatus: [202, 409],
  },
  window: { maxSeconds: 30 * 86_400 },
};

describe("stream requests: envelopes, request-then-push, hostile links", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
    seedRecords(api, "wu", { now: NOW, days: 20, stepMinutes: 240, prefix: "m" });
  });
  afterAll(() => api.close());

  it("Withings-style POST form service with more/offset paging delivers every measure group once", async () => {
    const harness = syncHarness(syncTestVendor(api.url, [withingsMeasures], { backfillDays: 20 }), movableClock(NOW).clock);
    await harness.backfill("wu");
    const ids = deliveredIds(harness.deliveries);
    expect(ids).toHaveLength(20 * 6);
    expect(new Set(ids).size).toBe(20 * 6);
    expect(api.requests.some((r) => r.path === "/measure" && r.query.offset === "25")).toBe(true);
  });

  it("a 200 whose status says error is a vendor error: the window is retried, nothing is delivered, no secret in the error", async () => {
    const harness = syncHarness(syncTestVendor(api.url, [withingsMeasures], { backfillDays: 20 }), movableClock(NOW).clock);
    await harness.connect("wu");
    api.envelopeError = 401;
    try {
      await harness.engine.sync.connected(SYNC_VENDOR, "wu");
      const error = await harness.drain().then(() => undefined, (caught: unknown) => caught);
      expect(isConnectorError(error, "vendor_api_error")).toBe(true);
      expect(String((error as Error).message)).toMatch(/answered 200 with an error in its body/);
      const printed = inspect(error, { depth: Infinity });
      expect(printed).not.toContain("at-wu");
      expect(printed).not.toContain("sync-secret");
      expect(deliveredIds(harness.deliveries)).toEqual([]);
      const [status] = await harness.engine.sync.status(SYNC_VENDOR, "wu");
      expect(status?.running[0]?.windowsDone).toBe(0);
    } finally {
      api.envelopeError = undefined;
    }
  });

  it("request-then-push (Garmin backfill): each window is asked for once; a 409 for an overlap counts as asked", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(syncTestVendor(api.url, [garminBackfill], { backfillDays: 90 }), time.clock);
    await harness.backfill("gu");
    const asked = () => api.requests.filter((r) => r.path === "/wellness-api/rest/backfill/dailies");
    expect(asked().map((r) => r.status)).toEqual([202, 202, 202]);
    const completion = harness.deliveries.find((d) => d.event.type === "sync.completed");
    expect(completion).toMatchObject({ stream: "dailies", data: { mode: "request", records: 0 } });

    // On demand over a range already asked for: each window remembered is not asked again.
    await harness.engine.sync.start(SYNC_VENDOR, "gu", { purpose: "on_demand", since: NOW - 90 * DAY });
    await harness.drain();
    expect(asked()).toHaveLength(3);
    // A range that overlaps but was never asked for in those bounds: the vendor's 409 is accepted and remembered.
    await harness.engine.sync.start(SYNC_VENDOR, "gu", { purpose: "on_demand", since: NOW - 45 * DAY });
    await harness.drain();
    expect(asked().slice(3).map((r) => r.status)).toEqual([409, 409]);
  });

  it("a Link header pointing at another host is refused before the user's token is sent there", async () => {
    const stream: Stream = {
      name: "evil",
      request: { method: "GET", path: "/v1/linked", query: { start: "{window.start}", end: "{window.end}", linkhost: "attacker.example" }, timeFormat: "epoch-seconds" },
      records: "$",
      recordId: "id",
      pagination: { type: "link" },
      window: { maxSeconds: 90 * 86_400 },
    };
    const harness = syncHarness(syncTestVendor(api.url, [stream], { backfillDays: 20 }), movableClock(NOW).clock);
    await harness.connect("wu");
    await harness.engine.sync.connected(SYNC_VENDOR, "wu");
    const error = await harness.drain().then(() => undefined, (caught: unknown) => caught);
    expect(isConnectorError(error, "fetch_not_allowed")).toBe(true);
    expect(String((error as Error).message)).toMatch(/attacker\.example is not an allowed API host/);
  });
});
