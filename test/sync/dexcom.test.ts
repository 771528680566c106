import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { loadManifestText } from "../../engine/manifest/loader.js";
import { movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

/** The shipped manifest with every Dexcom host pointed at the local API (the one change: no other edits). */
function dexcomAt(url: string) {
  const text = readFileSync("vendors/dexcom.yaml", "utf8").replace(/https:\/\/api\.dexcom\.(com|eu|jp)/g, url);
  const result = loadManifestText(text, "dexcom.yaml");
  expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
  return result.vendors[0]!;
}

describe("Dexcom end to end, with no webhooks", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
    seedRecords(api, "dex-user", { now: NOW, days: 40, stepMinutes: 60, prefix: "egv-" });
  });
  afterAll(() => api.close());

  it("backfills 30 days of EGVs in windows Dexcom accepts, then polls new readings on schedule", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(dexcomAt(api.url), time.clock, undefined, undefined, { clientId: "c", clientSecret: "s", settings: {} });
    const { engine, deliveries } = harness;
    const drain = () => harness.drain();
    await harness.backfill("dex-user", "dexcom-id");

    const egvs = deliveries.filter((d) => d.stream === "egvs" && d.event.type === "glucose.egv");
    expect(egvs).toHaveLength(30 * 24);
    expect(new Set(egvs.map((d) => d.event.resourceId)).size).toBe(30 * 24);
    expect(egvs[0]).toMatchObject({ source: "backfill", userId: "dex-user", event: { vendor: "dexcom", userId: "dexcom-id" } });
    expect(egvs[0]?.event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Each reading reaches the sink as a normalized blood_glucose record too (the manifest's egvs mapping), at its
    // systemTime read as UTC; a reading of 0 is no glucose value and gives none. The events stream has no mapping.
    for (const delivery of egvs) {
      const reading = api.records("dex-user").find((record) => record.id === delivery.event.resourceId)!;
      expect(delivery.recordError).toBeUndefined();
      expect(delivery.records).toEqual(
        reading.value > 0
          ? [expect.objectContaining({ type: "blood_glucose", bloodGlucose: { value: reading.value, unit: "mg/dL" }, effectiveTimeFrame: { dateTime: new Date(reading.time).toISOString() } })]
          : [],
      );
    }
    expect(egvs.filter((d) => d.records.length === 1).length).toBeGreaterThan(30 * 24 - 5);
    expect(deliveries.filter((d) => d.stream === "events").every((d) => d.records.length === 0 && !d.recordError)).toBe(true);
    const egvRequests = api.requests.filter((r) => r.path === "/v3/users/self/egvs");
    expect(egvRequests.every((r) => r.status === 200 && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(r.query.startDate ?? ""))).toBe(true);
    expect(deliveries.filter((d) => d.event.type === "sync.completed").map((d) => d.stream).sort()).toEqual(["egvs", "events"]);

    // 15 minutes later the poll is due; a reading taken meanwhile arrives once.
    time.advance(15 * 60_000);
    api.add("dex-user", { id: "egv-new", time: NOW + 5 * 60_000, value: 123 });
    await engine.sync.startDueRuns();
    await drain();
    const polled = deliveries.filter((d) => d.source === "poll");
    expect(polled.map((d) => [d.stream, d.event.resourceId])).toEqual([
      ["egvs", "egv-new"],
      ["events", "egv-new"],
    ]);
    const status = await engine.sync.status("dexcom", "dex-user");
    expect(status.map((s) => s.checkpoint)).toEqual([new Date(NOW + 15 * 60_000).toISOString(), new Date(NOW + 15 * 60_000).toISOString()]);
  });

  it("the webhook route of a poll-only vendor does not exist", async () => {
    const engine = createConnectorEngine({ vendors: [dexcomAt(api.url)], backends: createMemoryBackends(), credentials: { dexcom: { clientId: "c", clientSecret: "s", settings: {} } } });
    const result = await engine.verifyAndParse("dexcom", { method: "POST", headers: {}, rawBody: "{}" });
    expect(result.ok ? "accepted" : result.error.code).toBe("unknown_vendor");
  });
});
