import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// Fitbit (legacy Web API): X-Fitbit-Signature = base64(HMAC-SHA1(client secret + "&", raw body)); no timestamp.
const CLIENT_SECRET = "fitbit-client-secret";
const VERIFY_CODE = "7b1c0e4f2d9a";
const credentials = { clientId: "23ABCD", clientSecret: CLIENT_SECRET, settings: { verifyCode: VERIFY_CODE } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function fitbitHeaders(body: Buffer | string, options: { secret?: string } = {}) {
  return { "X-Fitbit-Signature": createHmac("sha1", `${options.secret ?? CLIENT_SECRET}&`).update(body).digest("base64") };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/fitbit.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);
const sample = () => payload("fitbit", "notification.json");

describe("Fitbit manifest lifecycle", () => {
  it("is skipped as retired, with a warning, unless allowRetired is given", async () => {
    const refused = await loadManifestFiles(["vendors/fitbit.yaml"], { now: new Date(NOW) });
    expect(refused.vendors).toEqual([]);
    expect(refused.skipped.map((vendor) => vendor.id)).toEqual(["fitbit"]);
    expect(refused.problems).toEqual([expect.objectContaining({ severity: "warning", path: "/lifecycle", message: expect.stringMatching(/retired.*skipped/) })]);
    const allowed = await loadManifestFiles(["vendors/fitbit.yaml"], { now: new Date(NOW), allowRetired: true });
    expect(allowed.vendors.map((v) => v.id)).toEqual(["fitbit"]);
    expect(allowed.problems).toEqual([expect.objectContaining({ severity: "warning", message: expect.stringMatching(/Google Health API/) })]);
  });

  it("was only deprecated before 2026-11-02", async () => {
    const before = await loadManifestFiles(["vendors/fitbit.yaml"], { now: new Date(Date.UTC(2026, 9, 1)) });
    expect(before.vendors.map((v) => v.id)).toEqual(["fitbit"]);
    expect(before.problems).toEqual([expect.objectContaining({ severity: "warning", message: expect.stringMatching(/deprecated/) })]);
  });
});

describe("Fitbit subscription notifications", () => {
  it("verifies the documented array and maps each notification to a fetch of that day", async () => {
    const body = sample();
    const events = expectEvents(await harness().verify({ headers: fitbitHeaders(body), rawBody: body }));
    const day = (type: string, userId: string, date: string, url: string) => ({
      type, userId, resourceId: date, occurredAt: undefined, delivery: "fetch", fetchMethod: "GET", fetchUrl: url,
    });
    expect(events.map(summary)).toEqual([
      day("food.updated", "228S74", "2010-03-01", "https://api.fitbit.com/1/user/-/foods/log/date/2010-03-01.json"),
      day("food.updated", "228S74", "2010-03-02", "https://api.fitbit.com/1/user/-/foods/log/date/2010-03-02.json"),
      day("activity.updated", "184X36", "2010-03-01", "https://api.fitbit.com/1/user/-/activities/date/2010-03-01.json"),
    ]);
    expect(events[2]!.data).toEqual({ collectionType: "activities", date: "2010-03-01", ownerId: "184X36", ownerType: "user", subscriptionId: "2345" });
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
  });

  it("maps sleep and body to their day endpoints and userRevokedAccess to user.revoked", async () => {
    const body = JSON.stringify([
      { collectionType: "sleep", date: "2026-10-01", ownerId: "A1", ownerType: "user", subscriptionId: "s" },
      { collectionType: "body", date: "2026-10-01", ownerId: "A1", ownerType: "user", subscriptionId: "s" },
      { collectionType: "userRevokedAccess", date: "2026-10-01", ownerId: "A1", ownerType: "user", subscriptionId: "s" },
    ]);
    const events = expectEvents(await harness().verify({ headers: fitbitHeaders(body), rawBody: body }));
    expect(events.map((e) => [e.type, e.delivery, e.fetch?.url])).toEqual([
      ["sleep.updated", "fetch", "https://api.fitbit.com/1.2/user/-/sleep/date/2026-10-01.json"],
      ["body.updated", "fetch", "https://api.fitbit.com/1/user/-/body/log/weight/date/2026-10-01.json"],
      ["user.revoked", "push", undefined],
    ]);
  });

  it("takes the signature as raw base64: a URL-encoded value does not verify", async () => {
    // Find a body whose signature holds a "+", "/" or "=" so URL-encoding changes it.
    let body = "";
    let signature = "";
    for (let i = 0; !/[+/=]/.test(signature); i++) {
      body = JSON.stringify([{ collectionType: "sleep", date: "2026-10-01", ownerId: `U${i}`, ownerType: "user", subscriptionId: "s" }]);
      signature = fitbitHeaders(body)["X-Fitbit-Signature"];
    }
    expectError(await harness().verify({ headers: { "X-Fitbit-Signature": encodeURIComponent(signature) }, rawBody: body }), "invalid_signature");
    expectEvents(await harness().verify({ headers: { "X-Fitbit-Signature": signature }, rawBody: body }));
  });

  it("collapses a copy within a minute (replayed) but takes the same body later as a real update of the day", async () => {
    const h = harness();
    const body = sample();
    expectEvents(await h.verify({ headers: fitbitHeaders(body), rawBody: body }));
    h.nowMs += 59_000;
    expectError(await h.verify({ headers: fitbitHeaders(body), rawBody: body }), "replayed");
    h.nowMs += 2_000;
    expect(expectEvents(await h.verify({ headers: fitbitHeaders(body), rawBody: body }))).toHaveLength(3);
  });

  it("says which statuses Fitbit wants: 204 accepted, 404 on a bad signature", () => {
    expect(definition.manifest.webhooks!.responses).toMatchObject({ accepted: 204, invalidSignature: 404, replayed: 204 });
  });

  it("round trip: signWebhook gives the header Fitbit sends", () => {
    const body = sample();
    expect(signWebhook(definition, credentials, body)).toEqual(fitbitHeaders(body));
  });

  hmacFailureCases({ harness, body: sample(), sign: fitbitHeaders, signatureHeader: "X-Fitbit-Signature" });
});

describe("Fitbit subscriber verification", () => {
  it("answers 204 to the right verify code", async () => {
    expect(await harness().handshake({ method: "GET", url: `/webhooks/fitbit?verify=${VERIFY_CODE}` })).toEqual({ status: 204, headers: {}, body: "" });
  });

  it("answers 404 to the deliberately wrong code, and to an empty one", async () => {
    expect((await harness().handshake({ method: "GET", url: "/webhooks/fitbit?verify=wrongcode" }))?.status).toBe(404);
    expect((await harness().handshake({ method: "GET", url: "/webhooks/fitbit?verify=" }))?.status).toBe(404);
    expect((await harness().handshake({ method: "GET", url: `/webhooks/fitbit?verify=${VERIFY_CODE}x` }))?.status).toBe(404);
  });

  it("is not a handshake without ?verify= or as a POST", async () => {
    expect(await harness().handshake({ method: "GET", url: "/webhooks/fitbit" })).toBeUndefined();
    expect(await harness().handshake({ method: "POST", url: `/webhooks/fitbit?verify=${VERIFY_CODE}`, rawBody: sample() })).toBeUndefined();
  });
});
