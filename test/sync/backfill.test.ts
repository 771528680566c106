import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { SYNC_COMPLETED_EVENT_TYPE } from "../../engine/sync/deliveries.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { deliveredIds, movableClock, syncHarness } from "./support/harness.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, SYNC_VENDOR, syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;

describe("backfill over a paginated API", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
    // 95 days of records every 2 hours: 90 of them are inside the backfill, 5 before it.
    seedRecords(api, "alice", { now: NOW, days: 95, stepMinutes: 120 });
  });
  afterAll(() => api.close());

  const inBackfill = () => api.records("alice").filter((record) => record.time >= NOW - 90 * DAY).map((record) => record.id);

  it.each(Object.keys(STREAMS) as (keyof typeof STREAMS)[])("%s pagination: 90 days, every record exactly once, then the sink hears it is complete", async (kind) => {
    const { clock } = movableClock(NOW);
    const harness = syncHarness(syncTestVendor(api.url, [STREAMS[kind]]), clock);
    await harness.backfill("alice");

    const ids = deliveredIds(harness.deliveries);
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(inBackfill()));
    expect(ids.length).toBe(90 * 12);
    const record = harness.deliveries[0]!;
    expect(record).toMatchObject({ userId: "alice", source: "backfill", stream: kind, event: { vendor: SYNC_VENDOR, userId: "v-alice", delivery: "push" } });
    const completions = harness.deliveries.filter((d) => d.event.type === SYNC_COMPLETED_EVENT_TYPE);
    expect(completions).toHaveLength(1);
    expect(completions[0]).toMatchObject({ source: "backfill", stream: kind, data: { records: 90 * 12, stream: kind } });
    expect(harness.deliveries.at(-1)?.event.type).toBe(SYNC_COMPLETED_EVENT_TYPE);

    const [status] = await harness.engine.sync.status(SYNC_VENDOR, "alice");
    expect(status).toMatchObject({ stream: kind, historicalComplete: true, running: [], checkpoint: new Date(NOW).toISOString() });
    expect(status?.last.backfill?.records).toBe(90 * 12);
  });

  it("a reconnect reads only the gap since the checkpoint (with the stream's lookback)", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(syncTestVendor(api.url, [{ ...STREAMS.token, lookbackSeconds: 3600 }]), time.clock);
    await harness.backfill("alice");
    const first = harness.deliveries.length;

    time.advance(2 * DAY);
    api.add("alice", { id: "late-1", time: NOW + DAY, value: 1 });
    api.add("alice", { id: "late-2", time: NOW + 1.5 * DAY, value: 2 });
    const requestsBefore = api.requests.length;
    await harness.engine.sync.connected(SYNC_VENDOR, "alice");
    await harness.drain();

    expect(deliveredIds(harness.deliveries.slice(first))).toEqual(["late-1", "late-2"]);
    const windowStarts = api.requests.slice(requestsBefore).map((request) => Number(request.query.start) * 1000);
    expect(Math.min(...windowStarts)).toBe(NOW - 3_600_000);
  });

  it("runs on the embedded SQLite backends too", async () => {
    const directory = makeTempDirectory("synheart-sync-");
    const { clock } = movableClock(NOW);
    const backends = createEmbeddedBackends({ directory: directory.path, clock, env: {} });
    try {
      const harness = syncHarness(syncTestVendor(api.url, [STREAMS.token, STREAMS.linked]), clock, backends);
      await harness.backfill("alice");
      for (const stream of ["token", "linked"]) {
        const ids = harness.deliveries.filter((d) => d.stream === stream && d.event.type !== SYNC_COMPLETED_EVENT_TYPE).map((d) => d.event.resourceId);
        expect(ids.length).toBe(90 * 12);
        expect(new Set(ids).size).toBe(90 * 12);
      }
    } finally {
      await backends.close();
      directory.remove();
    }
  });
});
