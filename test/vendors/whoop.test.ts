import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectError, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// WHOOP: X-WHOOP-Signature = base64(HMAC-SHA256(client secret, X-WHOOP-Signature-Timestamp + raw body)), ms timestamps.
const CLIENT_SECRET = "whoop-client-secret";
const credentials = { clientId: "whoop-client", clientSecret: CLIENT_SECRET, settings: {} };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function whoopHeaders(body: Buffer | string, options: { secret?: string; timestampMs?: number } = {}) {
  const timestamp = String(options.timestampMs ?? NOW);
  const signature = createHmac("sha256", options.secret ?? CLIENT_SECRET).update(timestamp).update(body).digest("base64");
  return { "X-WHOOP-Signature": signature, "X-WHOOP-Signature-Timestamp": timestamp };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/whoop.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);

describe("WHOOP webhooks", () => {
  it("verifies and maps the v1 example (integer ids) to a workout fetch", async () => {
    const body = payload("whoop", "workout-updated-v1.json");
    const events = expectEvents(await harness().verify({ headers: whoopHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "workout.updated",
        userId: "10129",
        resourceId: "10235",
        occurredAt: undefined,
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://api.prod.whoop.com/developer/v2/activity/workout/10235",
      },
    ]);
    expect(events[0]!.vendor).toBe("whoop");
  });

  it("verifies and maps the v2 example (UUID ids) to a sleep fetch", async () => {
    const body = payload("whoop", "sleep-updated-v2.json");
    const events = expectEvents(await harness().verify({ headers: whoopHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "sleep.updated",
        userId: "10129",
        resourceId: "ecfc6a15-4661-442f-a9a4-f160dd7afae8",
        occurredAt: undefined,
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://api.prod.whoop.com/developer/v2/activity/sleep/ecfc6a15-4661-442f-a9a4-f160dd7afae8",
      },
    ]);
  });

  it("round trip: signWebhook gives the headers WHOOP sends", () => {
    const body = payload("whoop", "sleep-updated-v2.json");
    expect(signWebhook(definition, credentials, body, { timestamp: NOW })).toEqual(whoopHeaders(body));
  });

  // Engine bug (reported): the replay key hashes the raw X-WHOOP-Signature header, while verification trims it, so
  // the same captured delivery is accepted again within the tolerance by padding the header with a space.
  // Remove `.fails` once the replay key uses the normalised signature.
  it("rejects the same delivery re-sent with whitespace around the signature (replayed)", async () => {
    const h = harness();
    const body = payload("whoop", "workout-updated-v1.json");
    const headers = whoopHeaders(body);
    expectEvents(await h.verify({ headers, rawBody: body }));
    const padded = { ...headers, "X-WHOOP-Signature": ` ${headers["X-WHOOP-Signature"]}` };
    expectError(await h.verify({ headers: padded, rawBody: body }), "replayed");
  });

  hmacFailureCases({
    harness,
    body: payload("whoop", "workout-updated-v1.json"),
    sign: whoopHeaders,
    signatureHeader: "X-WHOOP-Signature",
    timestampHeader: "X-WHOOP-Signature-Timestamp",
    toleranceSeconds: 300,
  });
});
