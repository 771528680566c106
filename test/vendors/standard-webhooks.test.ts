import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// Standard Webhooks: webhook-signature = "v1," + base64(HMAC-SHA256(base64-decoded key after "whsec_",
// "<webhook-id>.<webhook-timestamp>.<raw body>")), several space-separated during rotation; timestamp in seconds.
// The specification's published test vector:
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGUtMDAwMDA=";
const credentials = { clientId: "sw-client", clientSecret: "sw-client-secret", settings: { webhookSecret: [SECRET] } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function standardSignature(secret: string, id: string, timestamp: string, body: Buffer | string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}

let counter = 0;
function standardHeaders(body: Buffer | string, options: { secret?: string; timestampMs?: number; id?: string } = {}) {
  const id = options.id ?? `msg_test_${++counter}`;
  const timestamp = String(Math.floor((options.timestampMs ?? NOW) / 1000));
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": standardSignature(options.secret ?? SECRET, id, timestamp, body) };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("test/fixtures/vendors/standard-webhooks.yaml");
});
const harness = (secrets: readonly string[] = [SECRET], now = NOW) =>
  new Harness(definition, { ...credentials, settings: { webhookSecret: secrets } }, now);

describe("Standard Webhooks, declared in YAML only", () => {
  it("our recipe reproduces the specification's test vector", () => {
    expect(standardSignature(VECTOR.secret, VECTOR.id, String(VECTOR.timestamp), VECTOR.body)).toBe(VECTOR.signature);
    expect(payload("standard-webhooks", "spec-test-vector.json").toString("utf8")).toBe(VECTOR.body);
  });

  it("verifies the specification's test vector (no mapping takes it: acknowledged, ignored)", async () => {
    const h = harness([VECTOR.secret], VECTOR.timestamp * 1000);
    const result = await h.verify({
      headers: { "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature },
      rawBody: payload("standard-webhooks", "spec-test-vector.json"),
    });
    expect(result).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("round trip: signWebhook reproduces the test vector", () => {
    const headers = signWebhook(definition, { ...credentials, settings: { webhookSecret: [VECTOR.secret] } }, VECTOR.body, {
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    });
    expect(headers).toEqual({ "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature });
  });

  it("verifies and maps a typed event", async () => {
    const body = payload("standard-webhooks", "sleep-updated.json");
    const events = expectEvents(await harness().verify({ headers: standardHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "sleep.updated",
        userId: "usr_42",
        resourceId: "slp_01",
        occurredAt: "2026-11-20T07:00:00.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://api.example.com/v1/sleep/slp_01",
      },
    ]);
  });

  it("accepts a header with several signatures when any one matches (key rotation on the sender)", async () => {
    const body = payload("standard-webhooks", "sleep-updated.json");
    const headers = standardHeaders(body);
    const wrong = standardSignature("whsec_b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXk=", headers["webhook-id"], headers["webhook-timestamp"], body);
    headers["webhook-signature"] = `${wrong} ${headers["webhook-signature"]}`;
    expectEvents(await harness().verify({ headers, rawBody: body }));
  });

  it("accepts either configured secret (key rotation on our side)", async () => {
    const next = "whsec_bmV4dC1rZXktbmV4dC1rZXktbmV4dC1rZXktbmV4dA==";
    const h = harness([next, SECRET]);
    const body = payload("standard-webhooks", "sleep-updated.json");
    expectEvents(await h.verify({ headers: standardHeaders(body, { secret: SECRET }), rawBody: body }));
    expectEvents(await h.verify({ headers: standardHeaders(body, { secret: next }), rawBody: body }));
  });

  it("rejects a signature under another version prefix (invalid_signature)", async () => {
    const body = payload("standard-webhooks", "sleep-updated.json");
    const headers = standardHeaders(body);
    headers["webhook-signature"] = headers["webhook-signature"].replace(/^v1,/, "v2,");
    expectError(await harness().verify({ headers, rawBody: body }), "invalid_signature");
  });

  it("rejects a request without webhook-id (missing_header)", async () => {
    const body = payload("standard-webhooks", "sleep-updated.json");
    const { "webhook-id": _id, ...headers } = standardHeaders(body);
    expectError(await harness().verify({ headers, rawBody: body }), "missing_header");
  });

  it("rejects a signature whose webhook-id was changed (invalid_signature)", async () => {
    const body = payload("standard-webhooks", "sleep-updated.json");
    const headers = { ...standardHeaders(body), "webhook-id": "msg_other" };
    expectError(await harness().verify({ headers, rawBody: body }), "invalid_signature");
  });

  it("rejects a second delivery with the same webhook-id (replayed)", async () => {
    const h = harness();
    const body = payload("standard-webhooks", "sleep-updated.json");
    expectEvents(await h.verify({ headers: standardHeaders(body, { id: "msg_same" }), rawBody: body }));
    h.nowMs += 10_000;
    expectError(await h.verify({ headers: standardHeaders(body, { id: "msg_same", timestampMs: h.nowMs }), rawBody: body }), "replayed");
  });

  hmacFailureCases({
    harness: () => harness(),
    body: payload("standard-webhooks", "sleep-updated.json"),
    sign: (body, options) => standardHeaders(body, { ...options, id: "msg_fixed" }),
    signatureHeader: "webhook-signature",
    timestampHeader: "webhook-timestamp",
    toleranceSeconds: 300,
  });
});
