import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type LogEntry } from "../../../engine/logging/logger.js";
import { defineVendor } from "../../../engine/manifest/loader.js";
import type { NormalizedEvent } from "../../../engine/events.js";
import type { Backends } from "../../../engine/ports/backends.js";
import { runScheduledSync } from "../../../engine/sync/scheduler.js";
import { movableClock, syncHarness } from "./harness.js";
import { startRecordsApi, type ApiRecord, type RecordsApi } from "./records-api.js";
import { STREAMS, SYNC_VENDOR, syncTestVendor } from "./sync-vendor.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The test vendor (webhooks and a pull stream) declaring: app silent after 1 h, a user after 2 h, poll every 10 min. */
function silentWebhooksVendor(apiUrl: string) {
  const base = structuredClone(syncTestVendor(apiUrl, [STREAMS.token], { backfillDays: 1 }).manifest) as Record<string, unknown> & { sync: Record<string, unknown> };
  return defineVendor({ ...base, sync: { ...base.sync, webhookSilence: { appSeconds: 3600, userSeconds: 7200, pollEverySeconds: 600 } } } as never, "test:webhook-silence");
}

/**
 * The fallback to polling when webhooks go silent, against one set of backends: the "last webhook" marks and the
 * fallback state live in the backend's sync-state store, the fallback polls are window jobs on its queue.
 */
export function describeWebhookFallback(backendName: string, makeBackends: (clock: () => number) => Promise<Backends> | Backends): void {
  describe(`webhook silence falls back to polling: ${backendName}`, () => {
    let api: RecordsApi;
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    beforeAll(async () => {
      api = await startRecordsApi();
      metrics.setGlobalMeterProvider(provider);
    });
    afterAll(async () => {
      metrics.disable();
      await provider.shutdown();
      await api.close();
    });

    const fallbackCounts = async () => {
      await reader.forceFlush();
      const counts: Record<string, number> = {};
      for (const resource of exporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            if (metric.descriptor.name !== "synheart.sync.webhook_fallback") continue;
            for (const point of metric.dataPoints) counts[`${String(point.attributes.scope)}:${String(point.attributes.transition)}`] = point.value as number;
          }
        }
      }
      exporter.reset();
      return counts;
    };

    it("a silent user, then the whole app, is polled until a webhook arrives again, and the logs and metrics say so", async () => {
      const time = movableClock(NOW);
      const lines: LogEntry[] = [];
      const logger = createLogger({ level: "info", write: (line) => lines.push(JSON.parse(line) as LogEntry) });
      const backends = await makeBackends(time.clock);
      const harness = syncHarness(silentWebhooksVendor(api.url), time.clock, backends, logger);
      const users = ["ann-silent", "ben-busy"] as const;
      const ids = new Map<string, string[]>(users.map((user) => [user, []]));
      let n = 0;
      /** A new record at the vendor; with `push`, its webhook reaches the worker too. */
      const record = async (user: string, push: boolean): Promise<ApiRecord> => {
        const made = { id: `${user}-${n++}`, time: time.clock() - MINUTE, value: 60 + n };
        api.add(user, made);
        ids.get(user)!.push(made.id);
        if (push) {
          const event: NormalizedEvent = { id: `wh-${made.id}`, vendor: SYNC_VENDOR, type: "reading.created", userId: `v-${user}`, resourceId: made.id, delivery: "push", data: made, authenticity: "verified" };
          await harness.engine.enqueueEvent(event);
          await harness.drain();
        }
        return made;
      };
      const tick = async () => {
        const result = await runScheduledSync(harness.engine);
        await harness.drain();
        return result.started;
      };
      const polledIds = () => harness.deliveries.filter((d) => d.source === "poll").map((d) => d.event.resourceId);
      const polledUsers = (from: number) => [...new Set(harness.deliveries.slice(from).filter((d) => d.source === "poll").map((d) => d.userId))].sort();

      for (const user of users) {
        await harness.connect(user);
        await harness.engine.sync.connected(SYNC_VENDOR, user);
      }
      await harness.drain();
      expect(await tick()).toBe(0); // starts watching: nothing is silent yet
      time.advance(10 * MINUTE);
      for (const user of users) await record(user, true);

      // Ben's webhooks keep coming; Ann's stop. After 2 h without one, Ann alone is polled, from her last webhook on.
      const missed: ApiRecord[] = [];
      for (let step = 0; step < 3; step++) {
        time.advance(35 * MINUTE);
        await record("ben-busy", true);
        missed.push(await record("ann-silent", false));
        expect(await tick()).toBe(0);
      }
      expect(lines).toEqual([]);
      time.advance(15 * MINUTE); // 2 h since Ann's last webhook
      await record("ben-busy", true);
      let seen = harness.deliveries.length;
      expect(await tick()).toBe(1);
      expect(polledUsers(seen)).toEqual(["ann-silent"]);
      expect(polledIds().sort()).toEqual(missed.map((r) => r.id).sort()); // every record the silence hid, once
      expect(lines).toEqual([expect.objectContaining({ level: "warn", message: "webhooks silent: falling back to polling", vendor: SYNC_VENDOR, scope: "user", userHash: expect.any(String) })]);
      expect(await fallbackCounts()).toEqual({ "user:enter": 1 });
      expect(await harness.engine.sync.webhookStatus(SYNC_VENDOR, "ann-silent")).toMatchObject({
        user: { lastWebhookAt: new Date(NOW + 10 * MINUTE).toISOString(), pollingSince: new Date(time.clock()).toISOString() },
        app: { lastWebhookAt: expect.any(String) },
      });
      expect((await harness.engine.sync.webhookStatus(SYNC_VENDOR, "ben-busy"))?.user).not.toHaveProperty("pollingSince");

      // Polled again only when due (every 10 min), and only new records.
      expect(await tick()).toBe(0);
      time.advance(10 * MINUTE);
      await record("ben-busy", true);
      const later = await record("ann-silent", false);
      seen = harness.deliveries.length;
      expect(await tick()).toBe(1);
      expect(harness.deliveries.slice(seen).map((d) => d.event.resourceId)).toEqual([later.id]);

      // Ann's webhooks resume: the fallback ends (logged once), no more polls for her.
      time.advance(MINUTE);
      await record("ann-silent", true);
      await record("ben-busy", true);
      time.advance(10 * MINUTE);
      seen = harness.deliveries.length;
      expect(await tick()).toBe(0);
      expect(await tick()).toBe(0);
      expect(polledUsers(seen)).toEqual([]);
      expect(lines.slice(1)).toEqual([expect.objectContaining({ level: "info", message: "webhooks resumed: polling fallback ended", scope: "user", userHash: lines[0]!.userHash })]);
      expect(await fallbackCounts()).toEqual({ "user:enter": 1, "user:exit": 1 });

      // The whole app goes silent (say its webhook subscription broke): after 1 h every user is polled.
      time.advance(61 * MINUTE);
      const appMissed = [await record("ann-silent", false), await record("ben-busy", false)];
      seen = harness.deliveries.length;
      expect(await tick()).toBe(2);
      expect(polledUsers(seen)).toEqual(["ann-silent", "ben-busy"]);
      expect(harness.deliveries.slice(seen).filter((d) => d.source === "poll").map((d) => d.event.resourceId).sort()).toEqual(appMissed.map((r) => r.id).sort());
      expect(lines.slice(2)).toEqual([expect.objectContaining({ level: "warn", message: "webhooks silent: falling back to polling", scope: "app" })]);
      expect(lines[2]).not.toHaveProperty("userHash");

      // One webhook from anyone: the app's fallback ends; nobody is silent for 2 h, so nobody is polled.
      time.advance(MINUTE);
      await record("ben-busy", true);
      time.advance(10 * MINUTE);
      seen = harness.deliveries.length;
      expect(await tick()).toBe(0);
      expect(polledUsers(seen)).toEqual([]);
      expect(lines.slice(3)).toEqual([expect.objectContaining({ level: "info", message: "webhooks resumed: polling fallback ended", scope: "app" })]);
      expect(await fallbackCounts()).toEqual({ "user:enter": 1, "user:exit": 1, "app:enter": 1, "app:exit": 1 });

      // Every record reached the sink exactly once, by webhook or by poll; no log line names a user.
      for (const user of users) {
        const delivered = harness.deliveries.filter((d) => d.userId === user && d.event.type !== "sync.completed").map((d) => d.event.resourceId);
        expect(delivered.sort()).toEqual([...ids.get(user)!].sort());
      }
      expect(inspect(lines, { depth: Infinity })).not.toMatch(/ann-silent|ben-busy/);
      await backends.close();
    });
  });
}
