import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { isConnectorError } from "../../engine/errors.js";
import { createBrowserBinding } from "../../engine/oauth/browser-binding.js";
import { createTokenService, type TokenService } from "../../engine/oauth/connections.js";
import type { SecurityLogEntry } from "../../engine/oauth/security-log.js";
import { CLIENTS, REDIRECT_URI, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { authorizationServerVendor } from "../fixtures/oauth/manifests.js";
import { freePort } from "../support/free-port.js";

// Issue 10 §1 at the engine API (embedders without the fetch handler), against oidc-provider.
let as: TestAuthorizationServer;
beforeAll(async () => {
  as = await startAuthorizationServer();
});
afterAll(async () => {
  await as?.close();
});

function setup() {
  const log: SecurityLogEntry[] = [];
  const service = createTokenService({
    vendor: authorizationServerVendor(as.issuer, { clientAuth: "client_secret_basic", pkce: true }),
    credentials: { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret, settings: {} },
    ...createMemoryBackends(),
    securityLogger: (entry) => log.push(entry),
  });
  return { service, log };
}

async function authorize(service: TokenService, userId: string, account: string, binding?: string) {
  const request = await service.authorizationUrl({ userId, redirectUri: REDIRECT_URI, ...(binding ? { browserBinding: binding } : {}) });
  const url = new URL(request.url);
  url.searchParams.set("login_hint", account);
  const callback = await as.authorize(url.toString());
  return { code: callback.searchParams.get("code")!, state: callback.searchParams.get("state")! };
}

describe("browser binding through the engine API", () => {
  it("exchangeCode refuses a missing or different binding before redeeming the code, and accepts the right one", async () => {
    const { service } = setup();
    const binding = createBrowserBinding();
    for (const presented of [undefined, "", createBrowserBinding()]) {
      const { code, state } = await authorize(service, "u-bind", "acct-bind", binding);
      const error = await service.exchangeCode({ code, state, ...(presented === undefined ? {} : { browserBinding: presented }) }).catch((caught: unknown) => caught);
      expect(isConnectorError(error, "browser_binding_mismatch")).toBe(true);
      expect(JSON.stringify(error)).not.toContain(binding);
    }
    const before = as.counts.authorization_code;
    const { code, state } = await authorize(service, "u-bind", "acct-bind", binding);
    expect((await service.exchangeCode({ code, state, browserBinding: binding })).vendorUserId).toBe("acct-bind");
    expect(as.counts.authorization_code).toBe(before + 1); // the refused ones never reached the token endpoint
  });
});

describe("relinking a user to another vendor account", () => {
  it("revokes the previous account's grant at the vendor and logs it without tokens", async () => {
    const { service, log } = setup();
    const first = await authorize(service, "u-relink", "acct-first");
    await service.exchangeCode(first);
    const previous = await service.getUserTokens("u-relink");
    expect((await as.introspect(previous.refreshToken!)).active).toBe(true);

    const second = await authorize(service, "u-relink", "acct-second");
    const result = await service.exchangeCode(second);
    expect(result.vendorUserId).toBe("acct-second");
    expect((await as.introspect(previous.refreshToken!)).active).toBe(false);
    expect((await as.introspect(result.tokens.refreshToken!)).active).toBe(true);

    expect(log).toEqual([
      expect.objectContaining({ kind: "security", event: "connection_relinked", vendor: "oidc-basic", previousGrant: "revoked", userHash: expect.stringMatching(/^[0-9a-f]{16}$/) }),
    ]);
    const line = JSON.stringify(log);
    for (const secret of [previous.accessToken, previous.refreshToken!, result.tokens.accessToken, "u-relink", "acct-first", "acct-second", CLIENTS.basic.clientSecret]) {
      expect(line).not.toContain(secret);
    }
  });

  it("keeps the grant when the same vendor account authorizes again", async () => {
    const { service, log } = setup();
    await service.exchangeCode(await authorize(service, "u-same", "acct-same"));
    const kept = await service.getUserTokens("u-same");
    await service.exchangeCode(await authorize(service, "u-same", "acct-same"));
    expect(log).toEqual([]);
    expect((await as.introspect(kept.refreshToken!)).active).toBe(true);
  });

  it("never fails the new link when revoking the old grant fails", async () => {
    const log: SecurityLogEntry[] = [];
    const broken = createTokenService({
      vendor: authorizationServerVendor(as.issuer, { clientAuth: "client_secret_basic", pkce: true, revokeUrl: `http://127.0.0.1:${await freePort()}/revoke` }),
      credentials: { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret, settings: {} },
      ...createMemoryBackends(),
      httpTimeoutMs: 2000,
      securityLogger: (entry) => log.push(entry),
    });
    await broken.exchangeCode(await authorize(broken, "u-broken", "acct-a"));
    const relinked = await broken.exchangeCode(await authorize(broken, "u-broken", "acct-b"));
    expect(relinked.vendorUserId).toBe("acct-b");
    expect(log).toEqual([expect.objectContaining({ event: "connection_relinked", previousGrant: "failed", errorCode: "vendor_api_error" })]);
  });
});
