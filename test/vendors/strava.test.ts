import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { Harness, expectError, expectEvents, loadVendor, payload, summary } from "./support.js";

// Strava signs nothing: the GET handshake proves the callback is ours (hub.verify_token), and each event is taken
// only when its subscription_id is our subscription's id. Sample bodies are the ones in Strava's webhook docs.
const credentials = { clientId: "5", clientSecret: "strava-secret", settings: { verifyToken: "STRAVA", subscriptionId: "120475" } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/strava.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);

describe("Strava", () => {
  it("answers the subscription validation GET by echoing hub.challenge as JSON", async () => {
    const response = await harness().handshake({ method: "GET", url: "/webhooks/strava?hub.verify_token=STRAVA&hub.challenge=15f7d1a91c1f40&hub.mode=subscribe" });
    expect(response).toMatchObject({ status: 200 });
    expect(JSON.parse(response!.body)).toEqual({ "hub.challenge": "15f7d1a91c1f40" });
  });

  it("refuses a validation with the wrong verify token (403), and is no handshake without hub.mode=subscribe", async () => {
    const wrong = await harness().handshake({ method: "GET", url: "/webhooks/strava?hub.verify_token=NOPE&hub.challenge=abc&hub.mode=subscribe" });
    expect(wrong).toMatchObject({ status: 403, body: "" });
    expect(await harness().handshake({ method: "GET", url: "/webhooks/strava?hub.verify_token=STRAVA&hub.challenge=abc&hub.mode=unsubscribe" })).toBeUndefined();
    expect(await harness().handshake({ method: "GET", url: "/webhooks/strava?hub.verify_token=STRAVA&hub.challenge=abc" })).toBeUndefined();
  });

  it("maps the documented activity update to a fetch of the activity, marked not cryptographically authenticated", async () => {
    const events = expectEvents(await harness().verify({ headers: {}, rawBody: payload("strava", "activity-update.json") }));
    expect(events.map(summary)).toEqual([
      {
        type: "activity.updated",
        userId: "134815",
        resourceId: "1360128428",
        occurredAt: "2018-01-16T18:07:20.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://www.strava.com/api/v3/activities/1360128428",
      },
    ]);
    expect(events[0]!.authenticity).toBe("unverified");
  });

  it("maps a deauthorization (athlete update with authorized false) and ignores other athlete updates", async () => {
    const events = expectEvents(await harness().verify({ headers: {}, rawBody: payload("strava", "athlete-deauthorized.json") }));
    expect(events.map((e) => [e.type, e.userId])).toEqual([["user.deauthorized", "134815"]]);
    const other = payload("strava", "athlete-deauthorized.json").toString().replace('"authorized":"false"', '"authorized":"true"');
    expect(await harness().verify({ headers: {}, rawBody: other })).toMatchObject({ ok: true, events: [] });
  });

  it("refuses an event for another subscription, or with no subscription_id (untrusted_source)", async () => {
    const body = payload("strava", "activity-update.json").toString();
    expectError(await harness().verify({ headers: {}, rawBody: body.replace("120475", "999999") }), "untrusted_source");
    expectError(await harness().verify({ headers: {}, rawBody: body.replace('"subscription_id":120475,', "") }), "untrusted_source");
    expectError(await harness().verify({ headers: {}, rawBody: body.replace("120475", '{"id":120475}') }), "untrusted_source");
  });
});
