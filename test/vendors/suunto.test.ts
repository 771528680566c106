import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { Harness, expectEvents, hmacFailureCases, loadVendor, payload, summary } from "./support.js";

// Suunto: X-HMAC-SHA256-Signature = lowercase hex(HMAC-SHA256(notification secret, raw body)); no timestamp.
const SECRET = "suunto-notification-secret";
const NEXT_SECRET = "suunto-notification-secret-2027";
const credentials = {
  clientId: "suunto-client",
  clientSecret: "suunto-client-secret",
  settings: { subscriptionKey: "apim-key", notificationSecret: [SECRET] },
};
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function suuntoHeaders(body: Buffer | string, options: { secret?: string } = {}) {
  return { "X-HMAC-SHA256-Signature": createHmac("sha256", options.secret ?? SECRET).update(body).digest("hex") };
}

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/suunto.yaml");
});
const harness = (settings: Record<string, string | readonly string[]> = credentials.settings) =>
  new Harness(definition, { ...credentials, settings }, NOW);
const sample = () => payload("suunto", "workout-created.json");

describe("Suunto webhooks", () => {
  it("verifies and maps the documented WORKOUT_CREATED push to a workout event carrying the workout", async () => {
    const body = sample();
    const events = expectEvents(await harness().verify({ headers: suuntoHeaders(body), rawBody: body }));
    expect(events.map(summary)).toEqual([
      {
        type: "workout.created",
        userId: "johndoe123",
        resourceId: "67604889401b942184624cb8",
        occurredAt: "2023-12-16T12:20:00.000Z",
        delivery: "push",
        fetchMethod: undefined,
        fetchUrl: undefined,
      },
    ]);
    expect(events[0]!.data).toEqual(JSON.parse(body.toString("utf8")));
  });

  it("maps the 24/7 pushes by type", async () => {
    const h = harness();
    for (const [type, expected] of [
      ["SUUNTO_247_SLEEP_CREATED", "sleep.created"],
      ["SUUNTO_247_ACTIVITY_CREATED", "daily_activity.created"],
      ["SUUNTO_247_RECOVERY_CREATED", "recovery.created"],
      ["ROUTE_CREATED", "route.created"],
    ] as const) {
      const body = JSON.stringify({ type, username: "johndoe123", samples: [] });
      const [event] = expectEvents(await h.verify({ headers: suuntoHeaders(body), rawBody: body }));
      expect([event?.type, event?.userId, event?.delivery]).toEqual([expected, "johndoe123", "push"]);
    }
  });

  it("accepts the old and the new notification secret during rotation", async () => {
    const h = harness({ ...credentials.settings, notificationSecret: [NEXT_SECRET, SECRET] });
    const body = sample();
    expectEvents(await h.verify({ headers: suuntoHeaders(body, { secret: SECRET }), rawBody: body }));
    const other = Buffer.from(body.toString("utf8").replace("johndoe123", "janedoe456"));
    expectEvents(await h.verify({ headers: suuntoHeaders(other, { secret: NEXT_SECRET }), rawBody: other }));
  });

  it("round trip: signWebhook gives the header Suunto sends", () => {
    const body = sample();
    expect(signWebhook(definition, credentials, body)).toEqual(suuntoHeaders(body));
  });

  hmacFailureCases({ harness: () => harness(), body: sample(), sign: suuntoHeaders, signatureHeader: "X-HMAC-SHA256-Signature" });
});
