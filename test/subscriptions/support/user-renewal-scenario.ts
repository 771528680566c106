import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorEngine } from "../../../engine/connector-engine.js";
import { defineVendor } from "../../../engine/manifest/loader.js";
import type { Backends } from "../../../engine/ports/backends.js";
import { runScheduledSync } from "../../../engine/sync/scheduler.js";
import { storeSealedConnection } from "../../queue/support/connections.js";
import { movableClock } from "../../sync/support/harness.js";
import { startSubscriptionApi, type SubscriptionApi } from "../subscription-api.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;
const CREDENTIALS = { clientId: "app-id", clientSecret: "app-secret-value", settings: {} };

/** A vendor whose per-user subscriptions expire after 7 days and are renewed a day before (the schedule does it). */
function expiringUserVendor(apiUrl: string) {
  const subscription = (method: "PATCH" | "DELETE", acceptStatus: number[]) => ({ method, path: "/v1/user-subscriptions/{subscription.id}", acceptStatus });
  return defineVendor({
    id: "expiring",
    displayName: "Expiring user subscriptions",
    oauth: { authorizeUrl: "https://subs.example/a", tokenUrl: "https://subs.example/t", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: apiUrl },
    webhooks: {
      body: "json",
      signature: { scheme: "shared-secret", header: "X-Secret", secret: "{clientSecret}" },
      events: { mappings: [{ type: "t", match: "true", delivery: "push", map: '{ "userId": user }' }] },
    },
    subscriptions: {
      user: {
        items: [{ resource: "sleep" }, { resource: "activity" }],
        create: { method: "POST", path: "/v1/user-subscriptions", json: { resource: "{item.resource}" }, acceptStatus: [201] },
        id: "id",
        expiresAt: "expirationDateTime",
        renew: { request: subscription("PATCH", [200]), beforeExpirySeconds: 86_400 },
        delete: subscription("DELETE", [204]),
      },
    },
  });
}

/** Per-user subscriptions that lapse, renewed by the schedule, on one set of backends (their ids and expiries live in its sync-state store). */
export function describeUserSubscriptionRenewal(backendName: string, makeBackends: (clock: () => number) => Promise<Backends> | Backends): void {
  describe(`per-user subscription renewal: ${backendName}`, () => {
    const time = movableClock(NOW);
    let api: SubscriptionApi;
    beforeAll(async () => {
      api = await startSubscriptionApi({ clientId: CREDENTIALS.clientId, clientSecret: CREDENTIALS.clientSecret, now: time.clock });
    });
    afterAll(() => api.close());

    it("per-user with an expiry: the schedule renews each before it lapses, makes a lapsed one again, and revoke deletes by id", async () => {
      const backends = await makeBackends(time.clock);
      const engine = createConnectorEngine({ vendors: [expiringUserVendor(api.url)], backends, credentials: { expiring: CREDENTIALS }, clock: time.clock });
      const mine = () => [...api.users.values()].filter((s) => s.userId === "eu").sort((a, b) => (a.resource < b.resource ? -1 : 1));
      await storeSealedConnection(backends, { vendor: "expiring", userId: "eu", vendorUserId: "e-1" });
      await engine.subscriptions.userConnected("expiring", "eu");
      const ids = mine().map((s) => s.id);
      expect(mine().map((s) => s.resource)).toEqual(["activity", "sleep"]);
      expect((await runScheduledSync(engine)).userSubscriptions).toBeUndefined(); // 7 days left: nothing to do

      // Two renewal rounds, each inside the last day before expiry: the same subscriptions live on, none lapses.
      for (let round = 0; round < 2; round++) {
        time.advance(6.5 * DAY);
        const tick = await runScheduledSync(engine);
        expect(tick.subscriptionErrors).toBeUndefined();
        expect(tick.userSubscriptions?.map((change) => `${change.action} ${change.item.resource}`).sort()).toEqual(["renew activity", "renew sleep"]);
        expect((await runScheduledSync(engine)).userSubscriptions).toBeUndefined(); // renewed once, not at every tick
        time.advance(6 * 3_600_000); // the next renewal passes (a quarter of the day's margin apart) find nothing due
        expect((await runScheduledSync(engine)).userSubscriptions).toBeUndefined();
        expect(mine().map((s) => s.id)).toEqual(ids);
        expect(mine().every((s) => Date.parse(s.expirationDateTime) === time.clock() - 6 * 3_600_000 + 7 * DAY)).toBe(true);
      }
      expect(api.lapsed).toEqual([]);

      // The schedule did not run for 8 days: the vendor dropped both; the next tick makes them again.
      time.advance(8 * DAY);
      const tick = await runScheduledSync(engine);
      expect(tick.userSubscriptions?.map((change) => `${change.action} ${change.item.resource}`).sort()).toEqual(["create activity", "create sleep"]);
      expect(api.lapsed.sort()).toEqual([...ids].sort());
      const renewedIds = mine().map((s) => s.id);
      expect(renewedIds).toHaveLength(2);
      expect(renewedIds.some((id) => ids.includes(id))).toBe(false);

      // Revoking deletes each by its id, with the user's token.
      await engine.vendor("expiring").revokeTokens("eu");
      expect(mine()).toEqual([]);
      expect(api.calls.filter((call) => call.startsWith("DELETE /v1/user-subscriptions/")).every((call) => call.endsWith(" 204"))).toBe(true);
      expect((await runScheduledSync(engine)).userSubscriptions).toBeUndefined(); // no connection, nothing renewed
      await backends.close();
    });
  });
}
