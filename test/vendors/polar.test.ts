import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createWebhookProcessor, signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// Polar: Polar-Webhook-Signature = hex(HMAC-SHA256(signature_secret_key, raw body)); no timestamp header.
const SECRET = "abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1"; // the shape of Polar's documented example key
const OLD_SECRET = "0f3c1a52-0000-4000-8000-000000000001";
const credentials = { clientId: "polar-client", clientSecret: "polar-client-secret", settings: { webhookSecret: [SECRET] } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function polarHeaders(body: Buffer | string, options: { secret?: string } = {}) {
  const signature = createHmac("sha256", options.secret ?? SECRET).update(body).digest("hex");
  return { "Polar-Webhook-Signature": signature };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/polar.yaml");
});
const harness = (settings: Record<string, string | readonly string[]> = credentials.settings) =>
  new Harness(definition, { ...credentials, settings }, NOW);

describe("Polar webhooks", () => {
  it("verifies and maps the EXERCISE example to a fetch of its url", async () => {
    const body = payload("polar", "exercise.json");
    const events = expectEvents(await harness().verify({ headers: polarHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "exercise.created",
        userId: "475",
        resourceId: "aQlC83",
        occurredAt: "2018-05-15T14:22:24.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://www.polaraccesslink.com/v3/exercises/aQlC83",
      },
    ]);
  });

  it("verifies and maps the SLEEP example (keyed by date) to a fetch of its url", async () => {
    const body = payload("polar", "sleep.json");
    const events = expectEvents(await harness().verify({ headers: polarHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "sleep.updated",
        userId: "475",
        resourceId: "2019-12-31",
        occurredAt: "2018-05-15T14:22:24.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://www.polaraccesslink.com/v3/users/sleep/2019-12-31",
      },
    ]);
  });

  it("accepts either key while the webhook secret rotates", async () => {
    const h = harness({ webhookSecret: [SECRET, OLD_SECRET] });
    const exercise = payload("polar", "exercise.json");
    const sleep = payload("polar", "sleep.json");
    expectEvents(await h.verify({ headers: polarHeaders(exercise, { secret: OLD_SECRET }), rawBody: exercise }));
    expectEvents(await h.verify({ headers: polarHeaders(sleep, { secret: SECRET }), rawBody: sleep }));
  });

  it("refuses to fetch a url that is not on Polar's API host (fetch_not_allowed)", async () => {
    const body = JSON.stringify({ event: "EXERCISE", user_id: 475, entity_id: "x", timestamp: "2018-05-15T14:22:24Z", url: "https://attacker.example/v3/exercises/x" });
    expectError(await harness().verify({ headers: polarHeaders(body), rawBody: body }), "fetch_not_allowed");
  });

  it("round trip: signWebhook gives the header Polar sends", () => {
    const body = payload("polar", "exercise.json");
    expect(signWebhook(definition, credentials, body)).toEqual(polarHeaders(body));
  });

  hmacFailureCases({ harness: () => harness(), body: payload("polar", "exercise.json"), sign: polarHeaders, signatureHeader: "Polar-Webhook-Signature" });
});

describe("Polar PING handshake", () => {
  it("answers the unsigned PING with 200", async () => {
    const response = await harness().handshake({ method: "POST", url: "/webhooks/polar", headers: { "Polar-Webhook-Event": "PING" }, rawBody: payload("polar", "ping.json") });
    expect(response).toEqual({ status: 200, headers: {}, body: "" });
  });

  it("a PING produces no events, even when it reaches verification signed", async () => {
    const body = payload("polar", "ping.json");
    const result = await harness().verify({ headers: polarHeaders(body), rawBody: body });
    expect(result).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("a PING carrying any other field is not a handshake: it must be signed", async () => {
    const h = harness();
    const body = JSON.stringify({ event: "PING", timestamp: "2018-05-15T14:22:24Z", user_id: 475, url: "https://www.polaraccesslink.com/v3/exercises/aQlC83" });
    expect(await h.handshake({ method: "POST", rawBody: body })).toBeUndefined();
    expectError(await h.verify({ headers: {}, rawBody: body }), "missing_header");
    expect(await h.verify({ headers: polarHeaders(body), rawBody: body })).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("is not a handshake for a GET, a non-JSON body or another event", async () => {
    const h = harness();
    expect(await h.handshake({ method: "GET", rawBody: payload("polar", "ping.json") })).toBeUndefined();
    expect(await h.handshake({ method: "POST", rawBody: "event=PING" })).toBeUndefined();
    expect(await h.handshake({ method: "POST", rawBody: payload("polar", "exercise.json") })).toBeUndefined();
  });

  it("answers the PING before any webhook secret is configured (an empty list)", async () => {
    const h = harness({ webhookSecret: [] });
    expect((await h.handshake({ method: "POST", rawBody: payload("polar", "ping.json") }))?.status).toBe(200);
    const body = payload("polar", "exercise.json");
    expectError(await h.verify({ headers: polarHeaders(body), rawBody: body }), "invalid_signature");
  });

  // Engine bug (reported): webhookSecret is an optional setting (the PING comes before Polar hands out the key), and
  // credentialsFromEnv leaves an unset optional setting out. createWebhookProcessor then throws missing_setting
  // while building the HMAC scheme, so the PING can never be answered. Remove `.fails` once fixed.
  it("answers the PING when the optional webhookSecret setting is absent", async () => {
    const processor = createWebhookProcessor({
      vendors: [definition],
      credentials: { polar: { ...credentials, settings: {} } },
      replayCache: createMemoryBackends().replayCache,
    });
    const response = await processor.handshake("polar", { method: "POST", headers: {}, rawBody: payload("polar", "ping.json") });
    expect(response?.status).toBe(200);
  });
});
