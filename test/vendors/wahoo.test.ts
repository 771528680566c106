// Wahoo signs nothing: a webhook is taken only when its webhook_token equals the app's configured token, and its
// events say they are unverified. The shipped manifest runs against a local API that behaves as Wahoo's reference
// documents it (OAuth with PKCE, /v1/user, page/per_page workouts list, DELETE /v1/permissions, rate-limit headers).
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { loadManifestText } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createJobProcessor, type EventDelivery } from "../../engine/queue/index.js";
import { recordsOfStream } from "../../engine/records/index.js";
import { receiveWebhook } from "../../engine/webhooks/ingest.js";
import { drainJobs, movableClock } from "../sync/support/harness.js";
import { Harness, expectError, expectEvents, loadVendor, payload, summary } from "./support.js";
import { WAHOO_CLIENT, WAHOO_USER_ID, startWahooApi, workout, type WahooApi } from "./wahoo-api.js";

const TOKEN = "97661c16-6359-4854-9498-a49c07b8ae80";
const credentials = { ...WAHOO_CLIENT, settings: { webhookToken: TOKEN } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const DAY = 86_400_000;

describe("Wahoo webhooks", () => {
  let definition: VendorDefinition;
  beforeAll(async () => {
    definition = await loadVendor("vendors/wahoo.yaml");
  });
  const harness = () => new Harness(definition, credentials, NOW);

  it("maps the documented workout_summary message to a push of the workout with its summary, marked unverified", async () => {
    const events = expectEvents(await harness().verify({ headers: { "content-type": "application/json" }, rawBody: payload("wahoo", "workout-summary.json") }));
    expect(events.map(summary)).toEqual([
      { type: "workout.updated", userId: "60462", resourceId: "56519", occurredAt: "2018-10-23T20:43:50.000Z", delivery: "push", fetchUrl: undefined, fetchMethod: undefined },
    ]);
    expect(events[0]!.authenticity).toBe("unverified");
    expect(events[0]!.data).toMatchObject({ id: 56519, workout_type_id: 40, workout_summary: { id: 8297, distance_accum: 24909.71, file: { url: expect.stringContaining(".fit") } } });
    // The shared token is a secret: it does not travel on with the event.
    expect(inspect(events, { depth: Infinity })).not.toContain(TOKEN);
  });

  it("refuses a wrong, missing, or non-string webhook_token, and one that only differs in case", async () => {
    const body = payload("wahoo", "workout-summary.json").toString();
    for (const forged of [
      body.replace(TOKEN, "not-our-token"),
      body.replace(`"webhook_token":"${TOKEN}",`, ""),
      body.replace(`"${TOKEN}"`, `["${TOKEN}"]`),
      body.replace(TOKEN, TOKEN.toUpperCase()),
      body.replace(TOKEN, `${TOKEN} `),
    ]) {
      const result = await harness().verify({ headers: {}, rawBody: forged });
      expectError(result, "untrusted_source");
      // Neither our token nor the one presented is reachable from the refusal.
      const printed = inspect(result, { depth: Infinity });
      expect(printed).not.toContain(TOKEN);
      expect(printed).not.toContain("not-our-token");
    }
  });

  it("acknowledges a second identical delivery as a replay (Wahoo retries what it did not see answered 200)", async () => {
    const h = harness();
    expectEvents(await h.verify({ headers: {}, rawBody: payload("wahoo", "workout-summary.json") }));
    expectError(await h.verify({ headers: {}, rawBody: payload("wahoo", "workout-summary.json") }), "replayed");
  });
});

/** The shipped manifest with its one host pointed at the local API (no other edit). */
function wahooAt(url: string): VendorDefinition {
  const text = readFileSync("vendors/wahoo.yaml", "utf8").replaceAll("https://api.wahooligan.com", url);
  const result = loadManifestText(text, "wahoo.yaml");
  expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
  return result.vendors[0]!;
}

describe("Wahoo end to end against a local Wahoo API", () => {
  let api: WahooApi;
  let engine: ConnectorEngine;
  let vendor: VendorDefinition;
  let time: ReturnType<typeof movableClock>;
  const deliveries: EventDelivery[] = [];
  let drain: () => Promise<void>;

  beforeAll(async () => {
    api = await startWahooApi();
    // 65 workouts, one every 12 hours back from now (three pages of 30); the newest has no summary yet.
    for (let i = 0; i < 65; i++) api.workouts.push(workout(1000 + i, NOW, 1 + 12 * i, i !== 0));
    time = movableClock(NOW);
    const backends = createMemoryBackends({ clock: time.clock });
    vendor = wahooAt(api.url);
    engine = createConnectorEngine({ vendors: [vendor], backends, clock: time.clock, credentials: { wahoo: credentials } });
    const process = createJobProcessor(engine, (delivery) => void deliveries.push(delivery));
    drain = async () => {
      await drainJobs(backends.jobQueue, process);
    };
  });
  afterAll(async () => {
    await engine?.close();
    await api?.close();
  });

  it("connects with PKCE and the documented scopes, reading the user id from GET /v1/user", async () => {
    const wahoo = engine.vendor("wahoo");
    const { url, state } = await wahoo.authorizationUrl({ userId: "alice", redirectUri: "https://connector.test/oauth/wahoo/callback" });
    const authorize = new URL(url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${api.url}/oauth/authorize`);
    expect(authorize.searchParams.get("scope")).toBe("user_read workouts_read offline_data");
    expect(authorize.searchParams.get("response_type")).toBe("code");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");

    const connected = await wahoo.exchangeCode({ code: "wahoo-code", state });
    expect(connected.vendorUserId).toBe(String(WAHOO_USER_ID));
    const exchange = api.requests.find((request) => request.path === "/oauth/token")!;
    expect(exchange.form).toMatchObject({ grant_type: "authorization_code", client_id: WAHOO_CLIENT.clientId, code: "wahoo-code" });
    expect(api.requests.find((request) => request.path === "/v1/user")?.authorization).toBe("Bearer wahoo-at-1");
  });

  it("backfills every listed workout once, page by page with per_page=30, each with its workout record", async () => {
    await engine.sync.connected("wahoo", "alice");
    await drain();
    const listed = api.requests.filter((request) => request.path === "/v1/workouts");
    expect(listed.map((request) => [request.query.page, request.query.per_page])).toEqual([
      ["1", "30"],
      ["2", "30"],
      ["3", "30"],
    ]);
    const records = deliveries.filter((d) => d.source === "backfill" && d.event.type === "workout.updated");
    expect(records.map((d) => d.event.resourceId).sort()).toEqual(api.workouts.map((w) => String(w.id)).sort());
    const ride = records.find((d) => d.event.resourceId === "1001")!;
    expect(ride).toMatchObject({ userId: "alice", stream: "workouts", event: { userId: "60462" } });
    // The stream's records mapping, applied to what the stream delivered.
    const mapped = await recordsOfStream([vendor], "wahoo", "workouts", ride.data, { vendorUserId: ride.event.userId, fetchedAtMillis: NOW });
    expect(mapped).toEqual([
      expect.objectContaining({
        type: "workout",
        provenance: expect.objectContaining({ vendor: "wahoo", vendorRecordId: "1001", vendorUserId: "60462" }),
        effectiveTimeFrame: { startDateTime: new Date(NOW - 13 * 3_600_000).toISOString(), endDateTime: new Date(NOW - 12 * 3_600_000).toISOString() },
        activityName: "BIKING_ROAD",
        sport: "cycling",
        duration: { value: 3500, unit: "s" },
        distance: { value: 30000.5, unit: "m" },
        activeEnergy: { value: 600, unit: "kcal" },
      }),
    ]);
    // The newest workout has no summary yet: a record of its type and time, nothing else.
    const newest = records.find((d) => d.event.resourceId === "1000")!;
    const newestRecords = await recordsOfStream([vendor], "wahoo", "workouts", newest.data, { vendorUserId: "60462", fetchedAtMillis: NOW });
    expect(newestRecords).toEqual([expect.objectContaining({ activityName: "BIKING_ROAD", effectiveTimeFrame: { startDateTime: new Date(NOW - 3_600_000).toISOString(), endDateTime: new Date(NOW).toISOString() } })]);
    expect(newestRecords[0]).not.toHaveProperty("distance");
    expect(deliveries.filter((d) => d.event.type === "sync.completed")).toHaveLength(1);
  });

  it("a webhook's workout is delivered once; the weekly reconciliation then sends only what the webhooks missed", async () => {
    const before = deliveries.length;
    time.advance(DAY);
    const pushed = workout(2000, NOW + DAY, 1);
    api.workouts.push(pushed, workout(2001, NOW + DAY, 2));
    const { workout_summary: summaryFields, ...workoutFields } = pushed;
    const body = JSON.stringify({ event_type: "workout_summary", webhook_token: TOKEN, user: { id: WAHOO_USER_ID }, workout_summary: { ...summaryFields, workout: workoutFields } });
    const received = await receiveWebhook(engine, "wahoo", { method: "POST", url: "/webhooks/wahoo", headers: { "content-type": "application/json" }, rawBody: body });
    expect([received.outcome, received.response.status]).toEqual(["accepted", 200]);
    await drain();
    const fromWebhook = deliveries.slice(before);
    expect(fromWebhook.map((d) => [d.source, d.userId, d.event.resourceId, d.authenticity])).toEqual([["webhook", "alice", "2000", "unverified"]]);
    expect(fromWebhook[0]!.records).toEqual([expect.objectContaining({ type: "workout", activityName: "BIKING_ROAD", distance: { value: 30000.5, unit: "m" } })]);

    time.advance(7 * DAY);
    // Uploaded late, started 15 days ago: on the first page, but before the reconciliation's two-week window.
    api.workouts.push(workout(2002, NOW + 8 * DAY, 15 * 24));
    const listedBefore = api.requests.filter((request) => request.path === "/v1/workouts").length;
    await engine.sync.startDueRuns();
    await drain();
    const reconciled = deliveries.filter((d) => d.source === "reconciliation" && d.event.type === "workout.updated");
    expect(reconciled.map((d) => d.event.resourceId)).toEqual(["2001"]);
    // The list is newest first and its first page already reaches past the two-week window: one page read, not three.
    const listed = api.requests.filter((request) => request.path === "/v1/workouts").slice(listedBefore);
    expect(listed.map((request) => request.query.page)).toEqual(["1"]);
    // Eight days on, the 2-hour access token was refreshed with the refresh token of the code exchange, once.
    const refreshes = api.requests.filter((request) => request.path === "/oauth/token" && request.form.grant_type === "refresh_token");
    expect(refreshes.map((request) => request.form.refresh_token)).toEqual(["wahoo-rt-1"]);
  });

  it("revokes with DELETE /v1/permissions and the user's bearer token", async () => {
    await engine.vendor("wahoo").revokeTokens("alice");
    const revoke = api.requests.find((request) => request.method === "DELETE");
    expect(revoke).toMatchObject({ path: "/v1/permissions", status: 200 });
    expect(revoke?.authorization).toMatch(/^Bearer wahoo-at-\d+$/);
    expect(api.revoked.size).toBe(1);
  });
});
