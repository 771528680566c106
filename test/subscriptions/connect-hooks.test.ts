import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { CLIENTS, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { testVendor } from "../fixtures/oauth/manifests.js";
import { connectThroughAuthorizationServer } from "../queue/support/connections.js";
import { QUEUE_CREDENTIALS } from "../queue/support/test-vendor.js";
import { startVendorApi, type VendorApi } from "../queue/support/vendor-api.js";

describe("connect and revoke call out to subscriptions and sync", () => {
  let as: TestAuthorizationServer;
  let api: VendorApi;
  beforeAll(async () => {
    as = await startAuthorizationServer();
    api = await startVendorApi({ introspect: (token) => as.introspect(token, CLIENTS.post) });
  });
  afterAll(async () => {
    await api.close();
    await as.close();
  });

  it("a code exchange subscribes the user with the new token and enqueues the backfill; revoke unsubscribes first", async () => {
    const vendor = testVendor({
      id: "hooked",
      displayName: "Hooked",
      oauth: {
        authorizeUrl: `${as.issuer}/auth`,
        tokenUrl: `${as.issuer}/token`,
        scopes: ["openid", "sleep"],
        clientAuth: "client_secret_post",
        pkce: true,
        refreshToken: "rotating",
        userId: { from: "profile", request: { method: "GET", path: "/me" }, field: "sub" },
        revoke: { url: `${as.issuer}/token/revocation`, method: "POST", send: "rfc7009", token: "refresh_token" },
      },
      api: { baseUrl: api.url },
      sync: {
        streams: [{ name: "sleep", request: { method: "GET", path: "/v1/sleep/list" }, records: "data", recordId: "id", window: { maxSeconds: 86_400 } }],
        backfill: { days: 2 },
      },
      // The local API answers GET /me with the token's subject: it stands in for a subscribe / unsubscribe call.
      subscriptions: {
        user: {
          items: [{ kind: "subscribe" }],
          create: { method: "GET", path: "/me", query: { action: "{item.kind}" }, success: "sub = 'v-hook'" },
          delete: { method: "GET", path: "/me", query: { action: "revoke" }, success: "sub = 'v-hook'" },
        },
      },
    });
    const backends = createMemoryBackends();
    const engine = createConnectorEngine({ vendors: [vendor], backends, credentials: { hooked: QUEUE_CREDENTIALS } });
    await connectThroughAuthorizationServer(engine, "hooked", (url) => as.authorize(url), "u-hook", "v-hook");
    const meCalls = () => api.requests.filter((request) => request.path === "/me");
    expect(meCalls()).toHaveLength(2); // the profile call, then the subscription with the same new token
    expect(meCalls().every((call) => call.status === 200 && call.authorization === meCalls()[0]!.authorization)).toBe(true);
    const [job] = await backends.jobQueue.receive({ maxJobs: 10 });
    expect(job?.job).toMatchObject({ kind: "sync", task: { kind: "sync-plan", vendor: "hooked", userId: "u-hook", purpose: "backfill" } });

    await engine.vendor("hooked").revokeTokens("u-hook");
    expect(meCalls()).toHaveLength(3); // unsubscribed while the token still worked
    expect(meCalls()[2]?.status).toBe(200);
    expect(await engine.vendor("hooked").connectionStatus("u-hook")).toEqual({ status: "not_connected" });
  });
});
