import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import type { CliIo } from "../../engine/cli/io.js";
import { main } from "../../engine/cli/main.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { defineVendor } from "../../engine/manifest/loader.js";
import { runScheduledSync } from "../../engine/sync/scheduler.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { movableClock } from "../sync/support/harness.js";
import { startSubscriptionApi, type SubscriptionApi } from "./subscription-api.js";

const NOW = Date.UTC(2026, 9, 1, 12, 0, 0);
const DAY = 86_400_000;
const CREDENTIALS = { clientId: "app-id", clientSecret: "app-secret-value", settings: { webhookUrl: "https://connector.example/webhooks/subs", verificationToken: "vt-123" } };

function subscribingVendor(apiUrl: string, callback = "{settings.webhookUrl}") {
  return defineVendor({
    id: "subs",
    displayName: "Subscribing vendor",
    settings: { webhookUrl: { secret: false }, verificationToken: {} },
    oauth: { authorizeUrl: "https://subs.example/a", tokenUrl: "https://subs.example/t", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: apiUrl },
    webhooks: {
      body: "json",
      signature: { scheme: "shared-secret", header: "X-Secret", secret: "{clientSecret}" },
      events: { mappings: [{ type: "t", match: "true", delivery: "push", map: '{ "userId": user }' }] },
    },
    subscriptions: {
      app: {
        headers: { "x-client-id": "{clientId}", "x-client-secret": "{clientSecret}" },
        items: [
          { event_type: "create", data_type: "sleep" },
          { event_type: "update", data_type: "sleep" },
          { event_type: "create", data_type: "workout" },
        ],
        key: "{item.event_type}.{item.data_type}",
        list: { request: { method: "GET", path: "/v2/webhook/subscription" }, records: "$", key: 'event_type & "." & data_type', id: "id", expiresAt: "expiration_time" },
        create: {
          method: "POST",
          path: "/v2/webhook/subscription",
          json: { callback_url: "{settings.webhookUrl}", verification_token: "{settings.verificationToken}", event_type: "{item.event_type}", data_type: "{item.data_type}" },
          acceptStatus: [201],
        },
        renew: { request: { method: "PUT", path: "/v2/webhook/subscription/renew/{subscription.id}" }, beforeExpirySeconds: 7 * 86_400 },
        delete: { method: "DELETE", path: "/v2/webhook/subscription/{subscription.id}", acceptStatus: [204] },
      },
      user: {
        items: [{ appli: "1" }, { appli: "44" }],
        create: { method: "POST", path: "/notify", form: { action: "subscribe", callbackurl: callback, appli: "{item.appli}" }, success: "status = 0" },
        delete: { method: "POST", path: "/notify", form: { action: "revoke", callbackurl: callback, appli: "{item.appli}" }, success: "status = 0" },
      },
    },
  });
}

describe("declared webhook subscriptions", () => {
  const time = movableClock(NOW);
  let api: SubscriptionApi;
  beforeAll(async () => {
    api = await startSubscriptionApi({ clientId: CREDENTIALS.clientId, clientSecret: CREDENTIALS.clientSecret, now: time.clock });
  });
  afterAll(() => api.close());

  it("app-level: created once, dry run changes nothing, renewed before expiry by the schedule, pruned on request", async () => {
    const engine = createConnectorEngine({ vendors: [subscribingVendor(api.url)], backends: createMemoryBackends({ clock: time.clock }), credentials: { subs: CREDENTIALS }, clock: time.clock });
    expect(await engine.subscriptions.syncApp({ dryRun: true })).toHaveLength(3);
    expect(api.app.size).toBe(0);

    const created = await engine.subscriptions.syncApp();
    expect(created.map((change) => `${change.action} ${change.key}`)).toEqual(["create create.sleep", "create update.sleep", "create create.workout"]);
    expect(api.app.size).toBe(3);
    expect(await engine.subscriptions.syncApp()).toEqual([]); // idempotent
    expect(api.calls.filter((call) => call.startsWith("POST")).length).toBe(3);

    // 84 days on: 6 days left, inside the 7-day renewal margin. The scheduled tick renews each once.
    time.advance(84 * DAY);
    const tick = await runScheduledSync(engine);
    expect(tick.subscriptions?.map((change) => change.action)).toEqual(["renew", "renew", "renew"]);
    expect([...api.app.values()].every((s) => Date.parse(s.expiration_time) === time.clock() + 90 * DAY)).toBe(true);
    expect((await runScheduledSync(engine)).subscriptions).toBeUndefined();

    api.app.set("stray", { id: "stray", callback_url: "https://old.example", event_type: "delete", data_type: "tag", expiration_time: new Date(time.clock() + DAY).toISOString() });
    expect((await engine.subscriptions.syncApp({ prune: true, dryRun: true })).map((c) => `${c.action} ${c.id}`)).toEqual(["delete stray"]);
    expect(api.app.has("stray")).toBe(true);
    await engine.subscriptions.syncApp({ prune: true });
    expect(api.app.has("stray")).toBe(false);
    expect(api.app.size).toBe(3);
  });

  it("per-user: subscribed on connect, removed before revoke, with the user's token", async () => {
    const backends = createMemoryBackends({ clock: time.clock });
    const engine = createConnectorEngine({ vendors: [subscribingVendor(api.url)], backends, credentials: { subs: CREDENTIALS }, clock: time.clock });
    await storeSealedConnection(backends, { vendor: "subs", userId: "wu", vendorUserId: "w-1" });
    await engine.subscriptions.userConnected("subs", "wu");
    expect([...(api.notify.get("wu") ?? [])].sort()).toEqual(["1|https://connector.example/webhooks/subs", "44|https://connector.example/webhooks/subs"]);

    const revoked = await engine.vendor("subs").revokeTokens("wu");
    expect(revoked.deleted).toBe(true);
    expect(api.notify.get("wu")?.size).toBe(0);
  });

  it("per-user: an error inside a 200 (Withings status) is a vendor error, without secrets", async () => {
    const backends = createMemoryBackends({ clock: time.clock });
    const engine = createConnectorEngine({ vendors: [subscribingVendor(api.url, "http://not-https.example")], backends, credentials: { subs: CREDENTIALS }, clock: time.clock });
    await storeSealedConnection(backends, { vendor: "subs", userId: "wx", vendorUserId: "w-2" });
    const error = await engine.subscriptions.userConnected("subs", "wx").catch((caught: unknown) => caught);
    expect(isConnectorError(error, "vendor_api_error")).toBe(true);
    expect((error as Error).message).toMatch(/create user subscription answered 200 with an error in its body/);
    const printed = inspect(error, { depth: Infinity });
    for (const secret of ["app-secret-value", "at-wx", "vt-123"]) expect(printed).not.toContain(secret);
  });

  it("synheart-connector subscriptions sync: prints what it would change, then changes it once", async () => {
    api.app.clear();
    const directory = makeTempDirectory("synheart-subs-cli-");
    try {
      const file = join(directory.path, "subs.yaml");
      writeFileSync(file, JSON.stringify(subscribingVendor(api.url).manifest));
      const env = { SYNHEART_SUBS_CLIENT_ID: "app-id", SYNHEART_SUBS_CLIENT_SECRET: "app-secret-value", SYNHEART_SUBS_WEBHOOK_URL: "https://connector.example/webhooks/subs", SYNHEART_SUBS_VERIFICATION_TOKEN: "vt-123", SYNHEART_ALLOW_INSECURE_HTTP: "1" };
      const cli = async (...argv: string[]) => {
        const out: string[] = [];
        const io: CliIo = { out: (line) => out.push(line), err: (line) => out.push(line), env, cwd: directory.path };
        return { code: await main(argv, io), out: out.join("\n") };
      };
      const dry = await cli("subscriptions", "sync", "--dry-run", "--vendors", file);
      expect(dry).toEqual({ code: 0, out: "would create subs create.sleep\nwould create subs update.sleep\nwould create subs create.workout\n3 changes (dry run: nothing changed)" });
      expect(api.app.size).toBe(0);
      expect((await cli("subscriptions", "sync", "--vendors", file)).out).toMatch(/^create subs create\.sleep\n/);
      expect(await cli("subscriptions", "sync", "--vendors", file)).toEqual({ code: 0, out: "subscriptions up to date" });
    } finally {
      directory.remove();
    }
  });
});
