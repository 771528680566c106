import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScheduledSyncHandler } from "../../engine/handlers/lambda-scheduled.js";
import { runScheduledSync, SYNC_SCHEDULE_LEASE } from "../../engine/sync/scheduler.js";
import { movableClock, syncHarness } from "./support/harness.js";
import { startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, syncTestVendor } from "./support/sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);

describe("sync schedule", () => {
  let api: RecordsApi;
  beforeAll(async () => {
    api = await startRecordsApi();
  });
  afterAll(() => api.close());

  it("never runs twice at once: a tick while another holds the lease starts nothing", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(syncTestVendor(api.url, [STREAMS.token], { backfillDays: 1, pollSeconds: 600 }), time.clock);
    await harness.connect("dora");
    const held = await harness.backends.leases.tryAcquire(SYNC_SCHEDULE_LEASE, 60_000);
    expect(await runScheduledSync(harness.engine)).toEqual({ ran: false, started: 0 });
    await harness.backends.leases.release(held!);

    // Two ticks at once (two processes, or two overlapping scheduled invocations): one runs, the other skips.
    const both = await Promise.all([runScheduledSync(harness.engine), runScheduledSync(harness.engine)]);
    expect(both.filter((result) => result.ran)).toHaveLength(1);
    expect(both.reduce((sum, result) => sum + result.started, 0)).toBe(1); // the backfill nobody started
    await harness.drain();

    const scheduled = createScheduledSyncHandler(harness.engine);
    expect(await scheduled()).toEqual({ ran: true, started: 1 }); // the first poll
    await harness.drain();
    expect(await scheduled()).toEqual({ ran: true, started: 0 }); // polled just now: not due again
    time.advance(600_000);
    expect(await scheduled()).toEqual({ ran: true, started: 1 });
  });
});
