import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, loadVendor, payload, summary } from "./support.js";

// Garmin signs nothing: the garmin-client-id header must carry our client id (consumer key).
const CLIENT_ID = "3f9a2c1e-garmin-consumer-key";
const credentials = { clientId: CLIENT_ID, clientSecret: "garmin-client-secret", settings: {} };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const trusted = { "garmin-client-id": CLIENT_ID, "content-type": "application/json" };

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/garmin.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);

describe("Garmin push and ping notifications", () => {
  it("maps the documented push example to one activity event carrying the data", async () => {
    const body = payload("garmin", "push-activities.json");
    const events = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "activity.updated",
        userId: "garmin_user_123",
        resourceId: "12345",
        occurredAt: "2025-11-20T00:16:00.000Z",
        delivery: "push",
        fetchMethod: undefined,
        fetchUrl: undefined,
      },
    ]);
    expect(events[0]!.data).toEqual(JSON.parse(body.toString("utf8")).activities[0]);
  });

  it("maps the documented ping example to a fetch of its callbackURL, without the user access token", async () => {
    const body = payload("garmin", "ping-dailies.json");
    const events = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "daily.updated",
        userId: "…",
        resourceId: undefined,
        occurredAt: undefined,
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://apis.garmin.com/wellness-api/rest/dailies?uploadStartTimeInSeconds=1452470400&uploadEndTimeInSeconds=1452556800",
      },
    ]);
    expect(events[0]!.data).not.toHaveProperty("userAccessToken");
  });

  it("calls an OAuth 2 era callbackURL as is, token parameter included", async () => {
    const callbackURL = "https://apis.garmin.com/wellness-api/rest/sleeps?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2&token=abc";
    const body = JSON.stringify({ sleeps: [{ userId: "u1", callbackURL }] });
    const [event] = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(summary(event!)).toMatchObject({ type: "sleep.updated", userId: "u1", delivery: "fetch", fetchUrl: callbackURL });
  });

  it("maps every item of a summary list, and several summary types in one body", async () => {
    const body = JSON.stringify({
      dailies: [
        { userId: "u1", summaryId: "d1", startTimeInSeconds: 1763510400 },
        { userId: "u2", summaryId: "d2", startTimeInSeconds: 1763510400 },
      ],
      sleeps: [{ userId: "u1", summaryId: "s1", startTimeInSeconds: 1763500000 }],
    });
    const events = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(events.map((e) => [e.type, e.userId, e.resourceId, e.delivery])).toEqual([
      ["daily.updated", "u1", "d1", "push"],
      ["daily.updated", "u2", "d2", "push"],
      ["sleep.updated", "u1", "s1", "push"],
    ]);
  });

  it("maps deregistrations and permission changes to lifecycle events", async () => {
    const body = JSON.stringify({
      deregistrations: [{ userId: "u1" }],
      userPermissionsChange: [{ userId: "u2", permissions: ["ACTIVITY_EXPORT", "HEALTH_EXPORT"] }],
    });
    const events = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(events.map((e) => [e.type, e.userId, e.delivery])).toEqual([
      ["user.deregistered", "u1", "push"],
      ["user.permissions_changed", "u2", "push"],
    ]);
    expect(events[1]!.data).toEqual({ userId: "u2", permissions: ["ACTIVITY_EXPORT", "HEALTH_EXPORT"] });
  });

  it("activityFiles are ping only: fetched from the callbackURL", async () => {
    const callbackURL = "https://apis.garmin.com/wellness-api/rest/activityFile?id=1&token=t";
    const body = JSON.stringify({ activityFiles: [{ userId: "u1", callbackURL, fileType: "FIT" }] });
    const [event] = expectEvents(await harness().verify({ headers: trusted, rawBody: body }));
    expect(summary(event!)).toMatchObject({ type: "activity_file.updated", delivery: "fetch", fetchUrl: callbackURL });
  });

  it("refuses a callbackURL that is not on Garmin's API host (fetch_not_allowed)", async () => {
    const body = JSON.stringify({ dailies: [{ userId: "u1", callbackURL: "https://attacker.example/wellness-api/rest/dailies" }] });
    expectError(await harness().verify({ headers: trusted, rawBody: body }), "fetch_not_allowed");
  });

  it("ignores a summary type it does not know", async () => {
    const body = JSON.stringify({ somethingNew: [{ userId: "u1" }] });
    expect(await harness().verify({ headers: trusted, rawBody: body })).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("round trip: signWebhook gives the header Garmin sends", () => {
    expect(signWebhook(definition, credentials, payload("garmin", "push-activities.json"))).toEqual({ "garmin-client-id": CLIENT_ID });
  });
});

describe("Garmin trust and failures", () => {
  const body = () => payload("garmin", "push-activities.json");

  it("rejects a wrong garmin-client-id (untrusted_source)", async () => {
    expectError(await harness().verify({ headers: { "garmin-client-id": "someone-else" }, rawBody: body() }), "untrusted_source");
    expectError(await harness().verify({ headers: { "garmin-client-id": `${CLIENT_ID}x` }, rawBody: body() }), "untrusted_source");
  });

  it("rejects a missing garmin-client-id (untrusted_source)", async () => {
    expectError(await harness().verify({ headers: { "content-type": "application/json" }, rawBody: body() }), "untrusted_source");
  });

  it("rejects an empty or blank garmin-client-id (untrusted_source)", async () => {
    expectError(await harness().verify({ headers: { "garmin-client-id": "" }, rawBody: body() }), "untrusted_source");
    expectError(await harness().verify({ headers: { "garmin-client-id": "   " }, rawBody: body() }), "untrusted_source");
  });

  it("reads the header case-insensitively", async () => {
    expectEvents(await harness().verify({ headers: { "Garmin-Client-Id": CLIENT_ID }, rawBody: body() }));
  });

  it("rejects the same body again within Garmin's 7-day retry window (replayed), and accepts it after", async () => {
    const h = harness();
    expectEvents(await h.verify({ headers: trusted, rawBody: body() }));
    h.nowMs += 6 * 86_400_000;
    expectError(await h.verify({ headers: trusted, rawBody: body() }), "replayed");
    h.nowMs += 86_400_000 + 1000;
    expectEvents(await h.verify({ headers: trusted, rawBody: body() }));
  });

  it("rejects an empty body (malformed_body)", async () => {
    expectError(await harness().verify({ headers: trusted, rawBody: "" }), "malformed_body");
  });

  it("rejects a body that is not JSON (malformed_body)", async () => {
    expectError(await harness().verify({ headers: trusted, rawBody: "activities=1" }), "malformed_body");
    expectError(await harness().verify({ headers: trusted, rawBody: '{"activities":[' }), "malformed_body");
  });
});
