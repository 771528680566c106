import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/index.js";
import { createTokenService } from "../../engine/oauth/connections.js";
import { CLIENTS, REDIRECT_URI, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { authorizationServerVendor } from "../fixtures/oauth/manifests.js";

let as: TestAuthorizationServer;
let directory: string;
beforeAll(async () => {
  as = await startAuthorizationServer();
  directory = mkdtempSync(join(tmpdir(), "oauth-race-"));
});
afterAll(async () => {
  await as?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("refresh race with rotating refresh tokens", () => {
  it("50 concurrent refreshIfNeeded calls on two engine instances sharing one SQLite store: one refresh, 50 identical valid tokens", async () => {
    const time = { offset: 0 };
    const clock = () => Date.now() + time.offset;
    // Two engine instances, each with its own SQLite connection to the same file (as two processes would have).
    const first = createEmbeddedBackends({ directory, clock, env: {} });
    const second = createEmbeddedBackends({ directory, clock, env: {} });
    try {
      const vendor = authorizationServerVendor(as.issuer, { clientAuth: "client_secret_basic", pkce: false });
      const credentials = { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret, settings: {} };
      const engines = [first, second].map((backends) => createTokenService({ vendor, credentials, clock, ...backends }));
      const [one, two] = engines as [(typeof engines)[0], (typeof engines)[0]];

      const request = await one.authorizationUrl({ userId: "racer", redirectUri: REDIRECT_URI });
      const callback = await as.authorize(request.url);
      const connected = await two.exchangeCode({ code: callback.searchParams.get("code")!, state: request.state });

      time.offset = 3_600_000; // expired for both instances
      const refreshesBefore = as.counts.refresh_token;
      const errorsBefore = as.counts.refresh_token_errors;
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? one : two).refreshIfNeeded("racer", { skewSeconds: 60 })),
      );
      const durationMs = performance.now() - started;

      const refreshCalls = as.counts.refresh_token - refreshesBefore;
      console.info(`refresh race: ${results.length} callers, ${refreshCalls} refresh at the server, ${durationMs.toFixed(0)} ms`);
      expect(refreshCalls).toBe(1);
      expect(as.counts.refresh_token_errors - errorsBefore).toBe(0);
      const accessTokens = new Set(results.map((tokens) => tokens.accessToken));
      expect(accessTokens.size).toBe(1);
      const [accessToken] = [...accessTokens];
      expect(accessToken).not.toBe(connected.tokens.accessToken);
      expect(new Set(results.map((tokens) => tokens.refreshToken)).size).toBe(1);
      expect((await as.introspect(accessToken!)).active).toBe(true);
      expect((await as.introspect(results[0]!.refreshToken!)).active).toBe(true);
      expect(await one.connectionStatus("racer")).toMatchObject({ status: "active" });
      expect((await two.getUserTokens("racer")).accessToken).toBe(accessToken);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
