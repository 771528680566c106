import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifestText } from "../../engine/manifest/loader.js";
import { deliveredIds, movableClock, syncHarness } from "./support/harness.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;
const CREDENTIALS = { clientId: "c", clientSecret: "s", settings: { verifyToken: "v", subscriptionId: "120475" } };

interface Activity {
  readonly id: number;
  /** Epoch ms. */
  readonly start: number;
  /** Left out of the page after paging, as Strava may do: the page comes back short though more follow. */
  readonly hidden?: boolean;
}

/** A SummaryActivity as GET /athlete/activities lists it (the fields the mapping reads, as Strava's sample has them). */
function summary(activity: Activity) {
  return {
    resource_state: 2,
    athlete: { id: 134815, resource_state: 1 },
    id: activity.id,
    name: "Morning Run",
    distance: 5000 + (activity.id % 1000),
    moving_time: 1500,
    elapsed_time: 1560,
    type: "Run",
    sport_type: activity.id % 2 === 0 ? "TrailRun" : "Run",
    start_date: new Date(activity.start).toISOString().replace(".000Z", "Z"),
    utc_offset: 7200,
    has_heartrate: false,
  };
}

/**
 * Strava's activity list on 127.0.0.1: bearer `at-<user>`, after/before in epoch seconds (exclusive), page and
 * per_page (at most 200), oldest first when `after` is given. An activity marked hidden is dropped from its page after
 * paging, so that page is short without being the last (Strava's docs: iterate until an empty page).
 */
async function startStravaApi() {
  const byUser = new Map<string, Activity[]>();
  const requests: { page: number; perPage: number; after: number; before: number; status: number }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const number = (name: string) => Number(url.searchParams.get(name));
    const answer = (status: number, body: unknown) => {
      if (url.pathname === "/api/v3/athlete/activities") requests.push({ page: number("page"), perPage: number("per_page"), after: number("after"), before: number("before"), status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "GET" || url.pathname !== "/api/v3/athlete/activities") return answer(404, { message: "Record Not Found", errors: [] });
    const user = /^Bearer at-(.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!user) return answer(401, { message: "Authorization Error", errors: [{ resource: "Athlete", field: "access_token", code: "invalid" }] });
    const [page, perPage, after, before] = [number("page"), number("per_page"), number("after"), number("before")];
    if (!(page >= 1 && perPage >= 1 && perPage <= 200 && after >= 0 && before > after)) return answer(400, { message: "Bad Request", errors: [] });
    const inRange = (byUser.get(user) ?? []).filter((a) => a.start > after * 1000 && a.start < before * 1000).sort((a, b) => a.start - b.start);
    return answer(200, inRange.slice((page - 1) * perPage, page * perPage).filter((a) => !a.hidden).map(summary));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    activities: (user: string) => byUser.get(user) ?? byUser.set(user, []).get(user)!,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function stravaAt(url: string) {
  const result = loadManifestText(readFileSync("vendors/strava.yaml", "utf8").replaceAll("https://www.strava.com/api/v3", `${url}/api/v3`), "strava.yaml");
  expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
  return result.vendors[0]!;
}

describe("Strava activities stream against a local API", () => {
  let api: Awaited<ReturnType<typeof startStravaApi>>;
  beforeAll(async () => {
    api = await startStravaApi();
    // 450 activities over the last 300 days; three of the first page's are hidden, so page 1 comes back with 197.
    const activities = api.activities("ann");
    for (let n = 0; n < 450; n++) activities.push({ id: 9_000_000_000 + n, start: NOW - 300 * DAY + n * 16 * 3_600_000, ...(n === 5 || n === 50 || n === 150 ? { hidden: true } : {}) });
  });
  afterAll(() => api.close());

  it("a backfill reads pages of 200 past a short page until an empty one, and each activity becomes one workout", async () => {
    const time = movableClock(NOW);
    const harness = syncHarness(stravaAt(api.url), time.clock, undefined, undefined, CREDENTIALS);
    await harness.backfill("ann", "134815");

    const visible = api.activities("ann").filter((a) => !a.hidden);
    const backfilled = harness.deliveries.filter((d) => d.source === "backfill" && d.event.type === "activity.created");
    expect(deliveredIds(backfilled).sort()).toEqual(visible.map((a) => String(a.id)).sort());
    // One window of a year: pages 1 (197 of 200), 2, 3 (50) and the empty 4; a short page alone did not end it.
    expect(api.requests.map((r) => [r.page, r.perPage, r.status])).toEqual([
      [1, 200, 200],
      [2, 200, 200],
      [3, 200, 200],
      [4, 200, 200],
    ]);
    expect(api.requests[0]!.before - api.requests[0]!.after).toBe(365 * 86_400);
    for (const delivery of backfilled) {
      expect(delivery.recordError).toBeUndefined();
      expect(delivery.records).toHaveLength(1);
      const activity = visible.find((a) => String(a.id) === delivery.event.resourceId)!;
      expect(delivery.records[0]).toMatchObject({
        type: "workout",
        provenance: { vendor: "strava", vendorRecordId: String(activity.id), vendorUserId: "134815" },
        effectiveTimeFrame: { startDateTime: new Date(activity.start).toISOString(), endDateTime: new Date(activity.start + 1_560_000).toISOString(), utcOffset: "+02:00" },
        sport: "running",
        duration: { value: 1500, unit: "s" },
      });
    }
    expect(harness.deliveries.filter((d) => d.event.type === "sync.completed")).toHaveLength(1);

    // A week later: one activity uploaded late (it began before the backfill, ten days before this run) and one new.
    // The weekly reconciliation reads the last two weeks and delivers only those two.
    api.activities("ann").push({ id: 9_100_000_001, start: NOW - 3 * DAY - 3_600_000 }, { id: 9_100_000_002, start: NOW + 3 * DAY });
    api.requests.length = 0;
    time.advance(7 * DAY);
    await harness.engine.sync.startDueRuns();
    await harness.drain();
    expect(deliveredIds(harness.deliveries, "reconciliation").sort()).toEqual(["9100000001", "9100000002"]);
    expect(api.requests.map((r) => r.page)).toEqual([1, 2]);
  });
});
