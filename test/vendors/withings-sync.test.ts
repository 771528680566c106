import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { loadManifestText } from "../../engine/manifest/loader.js";
import { createJobProcessor, type EventDelivery } from "../../engine/queue/index.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { drainJobs, movableClock } from "../sync/support/harness.js";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const DAY = 86_400_000;
const NIGHT = Math.floor((NOW - 2 * DAY) / 1000);

/**
 * Withings' data services as documented (https://developer.withings.com/api-reference/): POST form fields, HTTP 200
 * with `{ status: 0, body }`, `more`/`offset` paging. getmeas puts the time zone on the response body, not on each
 * group; getsummary gives its durations only for the fields named in `data_fields`.
 */
async function startWithingsData() {
  const forms: Record<string, string>[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      forms.push({ path: new URL(request.url ?? "/", "http://x").pathname, ...form });
      const send = (body: unknown, status = 0) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(status === 0 ? { status, body } : { status, error: "invalid token" }));
      };
      if (request.headers.authorization !== "Bearer at-alice") return send(undefined, 401);
      if (form.action === "getmeas") {
        const date = Math.floor((NOW - DAY) / 1000);
        return send({ updatetime: date, timezone: "Europe/Paris", more: 0, offset: 0, measuregrps: [{ grpid: 501, attrib: 0, date, created: date, modified: date, category: 1, deviceid: null, measures: [{ value: 72500, type: 1, unit: -3 }] }] });
      }
      if (form.action === "getactivity") {
        return send({ more: false, offset: 0, activities: [{ date: new Date(NOW - DAY).toISOString().slice(0, 10), timezone: "Europe/Paris", deviceid: null, steps: 8000, distance: 6000, calories: 300, totalcalories: 2200 }] });
      }
      if (form.action === "getsummary") {
        const fields = new Set((form.data_fields ?? "").split(","));
        const all: Record<string, number> = { total_timeinbed: 28800, total_sleep_time: 25200, wakeupduration: 3600, lightsleepduration: 14400, deepsleepduration: 5400, remsleepduration: 5400 };
        const data = Object.fromEntries(Object.entries(all).filter(([name]) => fields.has(name)));
        return send({ more: false, offset: 0, series: [{ id: 9001, timezone: "Europe/Paris", model: 32, startdate: NIGHT, enddate: NIGHT + 28800, date: "2026-11-23", data }] });
      }
      send({});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forms, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("Withings pull streams deliver normalized records", () => {
  let api: Awaited<ReturnType<typeof startWithingsData>>;
  let engine: ConnectorEngine;
  const deliveries: EventDelivery[] = [];
  const ofStream = (stream: string) => deliveries.filter((d) => d.stream === stream && d.event.type !== "sync.completed");

  beforeAll(async () => {
    api = await startWithingsData();
    const text = readFileSync("vendors/withings.yaml", "utf8").replaceAll("https://wbsapi.withings.net", api.url);
    const loaded = loadManifestText(text, "withings.yaml");
    expect(loaded.problems.filter((p) => p.severity === "error")).toEqual([]);
    const time = movableClock(NOW);
    const backends = createMemoryBackends({ clock: time.clock });
    engine = createConnectorEngine({ vendors: loaded.vendors, backends, clock: time.clock, credentials: { withings: { clientId: "w-client", clientSecret: "w-secret", settings: { notifyIpRanges: "203.0.113.0/24" } } } });
    await storeSealedConnection(backends, { vendor: "withings", userId: "alice", vendorUserId: "363" });
    const process = createJobProcessor(engine, (delivery) => void deliveries.push(delivery));
    await engine.sync.connected("withings", "alice");
    await drainJobs(backends.jobQueue, process);
  });
  afterAll(async () => {
    await engine?.close();
    await api?.close();
  });

  it("a measure group becomes a body measurement, with the offset of the response's time zone", () => {
    const measures = ofStream("measures");
    expect(measures).toHaveLength(1);
    expect(measures[0]!.records).toEqual([
      expect.objectContaining({ type: "body_measurement", bodyWeight: { value: 72.5, unit: "kg" }, effectiveTimeFrame: { dateTime: new Date(NOW - DAY).toISOString(), utcOffset: "+01:00" } }),
    ]);
  });

  it("a day's activity becomes a daily activity record", () => {
    const activity = ofStream("activity");
    expect(activity.map((d) => d.records)).toEqual([[expect.objectContaining({ type: "daily_activity", steps: 8000, distance: { value: 6000, unit: "m" } })]]);
  });

  it("a sleep summary becomes a sleep session, its durations asked for with data_fields", () => {
    const sleep = ofStream("sleep");
    expect(sleep).toHaveLength(1);
    expect(sleep[0]!.records).toEqual([
      expect.objectContaining({
        type: "sleep_session",
        effectiveTimeFrame: { startDateTime: new Date(NIGHT * 1000).toISOString(), endDateTime: new Date((NIGHT + 28800) * 1000).toISOString(), utcOffset: "+01:00" },
        timeInBed: { value: 28800, unit: "s" },
        totalSleepTime: { value: 25200, unit: "s" },
        stages: [
          { stage: "awake", duration: { value: 3600, unit: "s" } },
          { stage: "light", duration: { value: 14400, unit: "s" } },
          { stage: "deep", duration: { value: 5400, unit: "s" } },
          { stage: "rem", duration: { value: 5400, unit: "s" } },
        ],
      }),
    ]);
    expect(deliveries.filter((d) => d.event.type !== "sync.completed").every((d) => d.records.length > 0 && !d.recordError)).toBe(true);
  });
});
