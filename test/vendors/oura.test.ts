import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// Oura: x-oura-signature = UPPERCASE hex(HMAC-SHA256(client secret, x-oura-timestamp + raw body)), timestamp in seconds.
const CLIENT_SECRET = "oura-client-secret";
const VERIFICATION_TOKEN = "s3cret-shared-with-oura";
const credentials = { clientId: "oura-client", clientSecret: CLIENT_SECRET, settings: { verificationToken: VERIFICATION_TOKEN } };
const NOW = Date.UTC(2026, 6, 4, 8, 0, 30);

function ouraHeaders(body: Buffer | string, options: { secret?: string; timestampMs?: number } = {}) {
  const timestamp = String(Math.floor((options.timestampMs ?? NOW) / 1000));
  const signature = createHmac("sha256", options.secret ?? CLIENT_SECRET).update(timestamp).update(body).digest("hex").toUpperCase();
  return { "x-oura-signature": signature, "x-oura-timestamp": timestamp };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/oura.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);
const sample = () => payload("oura", "sleep-update.json");

describe("Oura webhooks", () => {
  it("verifies and maps the documented sleep update to a fetch of the sleep document", async () => {
    const body = sample();
    const events = expectEvents(await harness().verify({ headers: ouraHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "sleep.updated",
        userId: "<stable oura user id>",
        resourceId: "12345abc",
        occurredAt: "2026-07-04T08:00:00.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://api.ouraring.com/v2/usercollection/sleep/12345abc",
      },
    ]);
    expect(events[0]!.data).toEqual(JSON.parse(body.toString("utf8")));
  });

  it("signs the raw bytes: the same JSON re-serialised does not verify", async () => {
    const body = sample();
    const reserialised = JSON.stringify(JSON.parse(body.toString("utf8")), null, 1);
    const result = await harness().verify({ headers: ouraHeaders(body), rawBody: reserialised });
    expectError(result, "invalid_signature");
  });

  it("maps create to a fetch, delete to a push, and vO2_max to its REST collection", async () => {
    const h = harness();
    const cases = [
      [{ event_type: "create", data_type: "daily_readiness" }, "daily_readiness.created", "fetch", "https://api.ouraring.com/v2/usercollection/daily_readiness/obj-1"],
      [{ event_type: "delete", data_type: "workout" }, "workout.deleted", "push", undefined],
      [{ event_type: "update", data_type: "vO2_max" }, "vo2_max.updated", "fetch", "https://api.ouraring.com/v2/usercollection/vO2_max/obj-1"],
      [{ event_type: "create", data_type: "vo2_max" }, "vo2_max.created", "fetch", "https://api.ouraring.com/v2/usercollection/vO2_max/obj-1"],
    ] as const;
    for (const [fields, type, delivery, fetchUrl] of cases) {
      const body = JSON.stringify({ ...fields, object_id: "obj-1", event_time: "2026-07-04T08:00:00+00:00", user_id: "u-1" });
      const [event] = expectEvents(await h.verify({ headers: ouraHeaders(body), rawBody: body }));
      expect({ type: event?.type, delivery: event?.delivery, fetchUrl: event?.fetch?.url, userId: event?.userId }).toEqual({ type, delivery, fetchUrl, userId: "u-1" });
    }
  });

  it("ignores a data type it has no mapping for (heartrate)", async () => {
    const body = JSON.stringify({ event_type: "update", data_type: "heartrate", object_id: "x", event_time: "2026-07-04T08:00:00+00:00", user_id: "u-1" });
    const result = await harness().verify({ headers: ouraHeaders(body), rawBody: body });
    expect(result).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("accepts lower-case hex too (Oura receivers compare case-insensitively)", async () => {
    const body = sample();
    const headers = ouraHeaders(body);
    headers["x-oura-signature"] = headers["x-oura-signature"].toLowerCase();
    expectEvents(await harness().verify({ headers, rawBody: body }));
  });

  it("round trip: signWebhook gives the headers Oura sends (upper-case hex)", () => {
    const body = sample();
    expect(signWebhook(definition, credentials, body, { timestamp: Math.floor(NOW / 1000) })).toEqual(ouraHeaders(body));
  });

  // Engine bug (reported): verification compares hex case-insensitively but the replay key hashes the raw header,
  // so a captured delivery is accepted a second time with its signature in lower case. Remove `.fails` once fixed.
  it("rejects the same delivery re-sent with the signature in lower case (replayed)", async () => {
    const h = harness();
    const body = sample();
    const headers = ouraHeaders(body);
    expectEvents(await h.verify({ headers, rawBody: body }));
    const lower = { ...headers, "x-oura-signature": headers["x-oura-signature"].toLowerCase() };
    expectError(await h.verify({ headers: lower, rawBody: body }), "replayed");
  });

  hmacFailureCases({
    harness,
    body: sample(),
    sign: ouraHeaders,
    signatureHeader: "x-oura-signature",
    timestampHeader: "x-oura-timestamp",
    toleranceSeconds: 300,
  });
});

describe("Oura subscription handshake", () => {
  it("echoes the challenge as JSON when the verification token matches", async () => {
    const response = await harness().handshake({
      method: "GET",
      url: `/webhooks/oura?verification_token=${VERIFICATION_TOKEN}&challenge=ch-4f2a9`,
    });
    expect(response).toEqual({ status: 200, headers: { "content-type": "application/json" }, body: '{"challenge":"ch-4f2a9"}' });
  });

  it("refuses a wrong verification token without echoing the challenge", async () => {
    const response = await harness().handshake({ method: "GET", url: "/webhooks/oura?verification_token=guess&challenge=ch-4f2a9" });
    expect(response?.status).toBe(401);
    expect(response?.body).not.toContain("ch-4f2a9");
  });

  it("is not a handshake without both query parameters, or as a POST", async () => {
    const h = harness();
    expect(await h.handshake({ method: "GET", url: `/webhooks/oura?verification_token=${VERIFICATION_TOKEN}` })).toBeUndefined();
    expect(await h.handshake({ method: "GET", url: "/webhooks/oura?challenge=x" })).toBeUndefined();
    expect(await h.handshake({ method: "POST", url: `/webhooks/oura?verification_token=${VERIFICATION_TOKEN}&challenge=x` })).toBeUndefined();
  });
});
