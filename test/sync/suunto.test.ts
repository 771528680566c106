import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { evaluateExpression } from "../../engine/manifest/expressions.js";
import { loadManifestText } from "../../engine/manifest/loader.js";
import type { EventDelivery } from "../../engine/queue/index.js";
import { movableClock, syncHarness } from "./support/harness.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;
const SUBSCRIPTION_KEY = "sub-key-247";
const MAX_RANGE_MS = 28 * DAY; // what clients ask for at most (Suunto's own limit is UNCONFIRMED)

interface DayTotals {
  steps: number | null;
  joules: number | null;
}

/** The daily-activity-statistics response: per metric, per source, daily samples keyed by UTC TimeISO8601 (no offset). */
function statisticsBody(days: [string, DayTotals][], secondSource?: [string, DayTotals][]) {
  const metric = (name: string, pick: (totals: DayTotals) => number | null) => ({
    Name: name,
    Aggregation: "sum",
    Sources: [
      { Name: "Suunto 9 Peak", Samples: days.map(([time, totals]) => ({ TimeISO8601: time, Value: pick(totals) })) },
      ...(secondSource ? [{ Name: "Suunto app", Samples: secondSource.map(([time, totals]) => ({ TimeISO8601: time, Value: pick(totals) })) }] : []),
    ],
  });
  return [metric("stepcount", (t) => t.steps), metric("energyconsumption", (t) => t.joules)];
}

/** Suunto's 24/7 statistics endpoint on 127.0.0.1: bearer `at-<user>` plus the API Zone subscription key, ISO dates. */
async function startSuuntoApi() {
  const byUser = new Map<string, Map<number, DayTotals>>();
  const requests: { startdate: string; enddate: string; status: number }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const answer = (status: number, body: unknown) => {
      if (url.pathname === "/247samples/daily-activity-statistics") requests.push({ startdate: url.searchParams.get("startdate") ?? "", enddate: url.searchParams.get("enddate") ?? "", status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "GET" || url.pathname !== "/247samples/daily-activity-statistics") return answer(404, { error: "not found" });
    const user = /^Bearer at-(.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (req.headers["ocp-apim-subscription-key"] !== SUBSCRIPTION_KEY) return answer(401, { statusCode: 401, message: "Access denied due to missing subscription key." });
    if (!user || !byUser.has(user)) return answer(401, { error: "invalid_token" });
    const start = Date.parse(url.searchParams.get("startdate") ?? "");
    const end = Date.parse(url.searchParams.get("enddate") ?? "");
    if (Number.isNaN(start) || Number.isNaN(end) || end < start || end - start > MAX_RANGE_MS) return answer(400, { error: "bad date range" });
    const days = [...byUser.get(user)!].filter(([day]) => day >= start && day <= end).map(([day, totals]) => [new Date(day).toISOString().slice(0, 19), totals] as [string, DayTotals]);
    return answer(200, days.length === 0 ? [] : statisticsBody(days));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    days: (user: string) => byUser.get(user) ?? byUser.set(user, new Map()).get(user)!,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The day record a delivery carries (its first record, as the stream gives one per day). */
function dayRecord(delivery: EventDelivery) {
  return delivery.records[0] as unknown as { id: string; effectiveTimeFrame: { date: string } } & Record<string, unknown>;
}

function suuntoAt(url: string) {
  const result = loadManifestText(readFileSync("vendors/suunto.yaml", "utf8").replaceAll("https://cloudapi.suunto.com", url), "suunto.yaml");
  expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
  return result.vendors[0]!;
}

describe("Suunto daily activity stream", () => {
  it("selects one day record per UTC day from the documented response, as the records fixtures expect", async () => {
    const stream = suuntoAt("http://x").manifest.sync!.streams.find((s) => s.name === "daily_activity")!;
    const body = statisticsBody(
      [
        ["2023-12-14T00:00:00", { steps: 8456, joules: 9623200 }],
        ["2023-12-15T00:00:00", { steps: 512, joules: null }],
        ["2023-12-16T00:00:00", { steps: 0, joules: 1234567 }],
        ["2023-12-17T00:00:00", { steps: null, joules: null }],
      ],
      // A second source: a smaller count of the same steps is not added; its null for a day hides no value.
      [
        ["2023-12-14T00:00:00", { steps: 8000, joules: null }],
        ["2023-12-15T00:00:00", { steps: null, joules: null }],
      ],
    );
    const selected = await evaluateExpression(stream.records!, body);
    const fixture = parse(readFileSync("vendors/fixtures/suunto.records.yaml", "utf8")) as { cases: { stream?: string; response: unknown }[] };
    expect(selected).toEqual(fixture.cases.filter((c) => c.stream === "daily_activity").map((c) => c.response));
    expect(await evaluateExpression(stream.records!, [])).toEqual([]);
    // One metric, one source, one sample (JSONata's singletons): still a list of one day.
    const single = [{ Name: "stepcount", Aggregation: "sum", Sources: [{ Name: "Suunto 9 Peak", Samples: [{ TimeISO8601: "2024-05-01T00:00:00", Value: 10 }] }] }];
    expect(await evaluateExpression(stream.records!, single)).toEqual([{ date: "2024-05-01", time: "2024-05-01T00:00:00", stepcount: 10 }]);
  });

  describe("against a local API", () => {
    let api: Awaited<ReturnType<typeof startSuuntoApi>>;
    beforeAll(async () => {
      api = await startSuuntoApi();
      const days = api.days("sue");
      for (let day = Date.UTC(2026, 5, 1); day <= NOW; day += DAY) days.set(day, { steps: 1000 + (day / DAY) % 5000, joules: 4184 * (300 + (day / DAY) % 200) });
    });
    afterAll(() => api.close());

    it("a backfill delivers each day once with its record; reconciliation sends only a day whose totals changed, under the same record id", async () => {
      const time = movableClock(NOW);
      const credentials = { clientId: "c", clientSecret: "s", settings: { subscriptionKey: SUBSCRIPTION_KEY, notificationSecret: "n" } };
      const harness = syncHarness(suuntoAt(api.url), time.clock, undefined, undefined, credentials);
      const { engine, deliveries } = harness;
      const drain = () => harness.drain();
      await harness.backfill("sue", "sue-suunto");

      const expectedDays = [...api.days("sue").keys()].filter((day) => day >= NOW - 90 * DAY && day <= NOW);
      const backfilled = deliveries.filter((d) => d.stream === "daily_activity" && d.event.type === "daily_activity.updated");
      expect(backfilled).toHaveLength(expectedDays.length);
      expect(expectedDays.length).toBeGreaterThanOrEqual(89);
      const dates = backfilled.map((d) => dayRecord(d).effectiveTimeFrame.date);
      expect(new Set(dates).size).toBe(expectedDays.length);
      expect(new Set(backfilled.map((d) => d.records[0]?.id)).size).toBe(expectedDays.length);
      for (const delivery of backfilled) {
        expect(delivery.source).toBe("backfill");
        expect(delivery.recordError).toBeUndefined();
        const record = dayRecord(delivery);
        const totals = api.days("sue").get(Date.parse(`${record.effectiveTimeFrame.date}T00:00:00Z`))!;
        expect(delivery.records).toHaveLength(1);
        expect(record).toMatchObject({
          type: "daily_activity",
          provenance: { vendor: "suunto", vendorRecordId: `daily-activity-${record.effectiveTimeFrame.date}`, vendorUserId: "sue-suunto" },
          effectiveTimeFrame: { date: record.effectiveTimeFrame.date, startDateTime: `${record.effectiveTimeFrame.date}T00:00:00.000Z` },
          steps: totals.steps,
          activeEnergy: { value: totals.joules! / 4184, unit: "kcal" },
        });
        expect(record.effectiveTimeFrame).not.toHaveProperty("utcOffset");
      }
      expect(api.requests.length).toBeGreaterThanOrEqual(4); // 90 days in windows of at most 28
      expect(api.requests.every((r) => r.status === 200 && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.startdate))).toBe(true);

      // A day later today's steps have grown and a new day exists; the daily reconciliation re-reads three days.
      const today = Date.UTC(2026, 9, 1);
      const firstToday = backfilled.find((d) => dayRecord(d).effectiveTimeFrame.date === "2026-10-01")!;
      api.days("sue").set(today, { steps: 12_345, joules: 4184 * 900 });
      api.days("sue").set(today + DAY, { steps: 42, joules: null });
      time.advance(DAY);
      await engine.sync.startDueRuns();
      await drain();
      const reconciled = deliveries.filter((d) => d.source === "reconciliation");
      expect(reconciled.map((d) => dayRecord(d).effectiveTimeFrame.date)).toEqual(["2026-10-01", "2026-10-02"]);
      expect(reconciled[0]!.records[0]).toMatchObject({ id: dayRecord(firstToday).id, steps: 12_345, activeEnergy: { value: 900, unit: "kcal" } });
      expect(reconciled[1]!.records[0]).not.toHaveProperty("activeEnergy");
    });
  });
});
