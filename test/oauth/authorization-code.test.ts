import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { ConnectorError, isConnectorError, type ConnectorErrorCode } from "../../engine/errors.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { refreshTokenGrantRequest } from "../../engine/oauth/token-endpoint.js";
import { createTokenService, type TokenService } from "../../engine/oauth/connections.js";
import { CLIENTS, REDIRECT_URI, startAuthorizationServer, type TestAuthorizationServer, type TestClient } from "../fixtures/oauth/authorization-server.js";
import { authorizationServerVendor } from "../fixtures/oauth/manifests.js";

let as: TestAuthorizationServer;
beforeAll(async () => {
  as = await startAuthorizationServer();
});
afterAll(async () => {
  await as?.close();
});

/** Engine time runs ahead of the authorization server's by `offset`, to make tokens expire without waiting. */
function setup(client: TestClient, overrides: { revokeUrl?: string; clientSecret?: string; pkce?: boolean } = {}) {
  const time = { offset: 0 };
  const clock = () => Date.now() + time.offset;
  const backends = createMemoryBackends({ clock });
  const vendor = authorizationServerVendor(as.issuer, {
    clientAuth: client.auth,
    pkce: overrides.pkce ?? client.pkceRequired,
    ...(overrides.revokeUrl ? { revokeUrl: overrides.revokeUrl } : {}),
  });
  const credentials: VendorCredentials = {
    clientId: client.clientId,
    clientSecret: overrides.clientSecret ?? client.clientSecret,
    settings: {},
  };
  const service = createTokenService({ vendor, credentials, clock, ...backends });
  return { service, backends, vendor, time, credentials };
}

async function connect(service: TokenService, userId: string, loginHint = `acct-${userId}`) {
  const request = await service.authorizationUrl({ userId, redirectUri: REDIRECT_URI });
  const url = new URL(request.url);
  url.searchParams.set("login_hint", loginHint);
  const callback = await as.authorize(url.toString());
  const code = callback.searchParams.get("code");
  const state = callback.searchParams.get("state");
  if (!code || !state) throw new Error(`no code in callback ${callback.search}`);
  expect(state).toBe(request.state);
  return { request, code, state, result: await service.exchangeCode({ code, state, redirectUri: REDIRECT_URI, userId }) };
}

async function expectCode(promise: Promise<unknown>, code: ConnectorErrorCode): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isConnectorError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as ConnectorError;
}

describe("authorization code flow against oidc-provider", () => {
  it("client_secret_basic without PKCE, with a secret that needs form-encoding (a:b%c+d ...)", async () => {
    const { service, backends } = setup(CLIENTS.basic);
    const { request, result } = await connect(service, "u-basic");
    const url = new URL(request.url);
    expect(url.searchParams.get("code_challenge")).toBeNull();
    expect(url.searchParams.get("scope")).toBe("openid activity sleep");
    expect(request.state.length).toBeGreaterThanOrEqual(43); // 256 random bits, base64url
    expect(result.vendorUserId).toBe("acct-u-basic");
    expect(result.connection.status).toBe("active");
    expect(result.tokens.refreshToken).toEqual(expect.any(String));
    expect(result.tokens.scopes).toEqual(expect.arrayContaining(["openid", "activity", "sleep"]));
    expect(result.tokens.idToken).toEqual(expect.any(String));
    expect((await as.introspect(result.tokens.accessToken)).active).toBe(true);

    // Stored sealed: the record holds no token in the clear, and opens only for this vendor and user.
    const stored = await backends.tokenStore.get("oidc-basic", "u-basic");
    expect(JSON.stringify(stored)).not.toContain(result.tokens.accessToken);
    expect(stored?.vendorUserId).toBe("acct-u-basic");
    expect(await service.getUserTokens("u-basic")).toEqual(result.tokens);
    expect(await service.connectionStatus("u-basic")).toMatchObject({ status: "active", vendorUserId: "acct-u-basic" });
  });

  it("client_secret_post with PKCE (S256)", async () => {
    const { service } = setup(CLIENTS.post);
    const { request, result } = await connect(service, "u-post");
    const url = new URL(request.url);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await as.introspect(result.tokens.accessToken, CLIENTS.post)).active).toBe(true);
  });

  it("fails with a typed error, and no secret in it, when the client secret is wrong", async () => {
    const { service } = setup(CLIENTS.basic, { clientSecret: "wrong-secret-value" });
    const request = await service.authorizationUrl({ userId: "u-wrong", redirectUri: REDIRECT_URI });
    const callback = await as.authorize(request.url);
    const code = callback.searchParams.get("code")!;
    const error = await expectCode(service.exchangeCode({ code, state: request.state }), "token_endpoint_error");
    expect(error.details).toMatchObject({ status: 401, error: "invalid_client" });
    const visible = `${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.details)}`;
    for (const secret of ["wrong-secret-value", code, request.state]) expect(visible).not.toContain(secret);
  });

  it("refreshes, rotating the refresh token: the old one is rejected", async () => {
    const { service, time, vendor, credentials } = setup(CLIENTS.basic);
    const { result } = await connect(service, "u-refresh");
    const before = as.counts.refresh_token;
    // Not expiring yet: no refresh.
    expect((await service.refreshIfNeeded("u-refresh", { skewSeconds: 60 })).accessToken).toBe(result.tokens.accessToken);
    expect(as.counts.refresh_token).toBe(before);

    time.offset = 3_600_000; // the access token (1 h) has expired as far as the engine is concerned
    const refreshed = await service.refreshIfNeeded("u-refresh", { skewSeconds: 60 });
    expect(as.counts.refresh_token).toBe(before + 1);
    expect(refreshed.accessToken).not.toBe(result.tokens.accessToken);
    expect(refreshed.refreshToken).not.toBe(result.tokens.refreshToken);
    expect(refreshed.expiresAt).toBeGreaterThan(Date.now() + time.offset);
    expect((await as.introspect(refreshed.accessToken)).active).toBe(true);
    expect(await service.getUserTokens("u-refresh")).toEqual(refreshed);

    // The consumed refresh token no longer works (oidc-provider rotates and detects reuse).
    await expectCode(refreshTokenGrantRequest({ vendor, credentials, clock: Date.now }, result.tokens), "invalid_grant");
  });

  it("marks the connection reauthorization_required on invalid_grant, once, without looping", async () => {
    const { service, time } = setup(CLIENTS.basic);
    const { result } = await connect(service, "u-revoked");
    expect(await as.revoke(result.tokens.refreshToken!)).toBe(200); // the user disconnected at the vendor
    time.offset = 3_600_000;
    const errorsBefore = as.counts.refresh_token_errors;
    await expectCode(service.refreshIfNeeded("u-revoked"), "reauthorization_required");
    expect(as.counts.refresh_token_errors).toBe(errorsBefore + 1);
    expect(await service.connectionStatus("u-revoked")).toMatchObject({ status: "reauthorization_required", vendorUserId: "acct-u-revoked" });
    // Later calls fail fast from the stored state; the vendor is not asked again.
    await expectCode(service.refreshIfNeeded("u-revoked"), "reauthorization_required");
    await expectCode(service.getUserTokens("u-revoked"), "reauthorization_required");
    expect(as.counts.refresh_token_errors).toBe(errorsBefore + 1);
    // Connecting again makes it active.
    await connect(service, "u-revoked");
    expect((await service.connectionStatus("u-revoked")).status).toBe("active");
  });

  it("revokes at the vendor (RFC 7009) and deletes locally", async () => {
    const { service } = setup(CLIENTS.basic);
    const { result } = await connect(service, "u-revoke");
    const outcome = await service.revokeTokens("u-revoke");
    expect(outcome).toMatchObject({ revokedAtVendor: true, deleted: true, vendorRevocation: { outcome: "revoked", status: 200 } });
    expect(outcome.vendorError).toBeUndefined();
    // Revoking the refresh token revokes the grant: the access token is gone too.
    expect((await as.introspect(result.tokens.refreshToken!)).active).toBe(false);
    expect((await as.introspect(result.tokens.accessToken)).active).toBe(false);
    expect(await service.connectionStatus("u-revoke")).toEqual({ status: "not_connected" });
    await expectCode(service.getUserTokens("u-revoke"), "not_connected");
    expect(await service.revokeTokens("u-revoke")).toMatchObject({ revokedAtVendor: false, deleted: false });
  });

  it("deletes locally even when the vendor's revocation endpoint fails", async () => {
    const { service } = setup(CLIENTS.basic, { revokeUrl: `${as.issuer}/no-such-revocation-endpoint` });
    await connect(service, "u-revoke-fail");
    const outcome = await service.revokeTokens("u-revoke-fail");
    expect(outcome).toMatchObject({ revokedAtVendor: false, deleted: true, vendorError: "vendor_api_error" });
    expect(await service.connectionStatus("u-revoke-fail")).toEqual({ status: "not_connected" });
  });

  describe("state checks", () => {
    it("rejects an unknown state", async () => {
      const { service } = setup(CLIENTS.basic);
      await expectCode(service.exchangeCode({ code: "x", state: "not-a-state-we-issued" }), "state_invalid");
    });

    it("rejects a reused state (single use), without a second token request", async () => {
      const { service } = setup(CLIENTS.basic);
      const { code, state } = await connect(service, "u-reuse");
      const before = as.counts.authorization_code;
      await expectCode(service.exchangeCode({ code, state }), "state_invalid");
      expect(as.counts.authorization_code).toBe(before);
    });

    it("rejects an expired state", async () => {
      const { service, time } = setup(CLIENTS.basic);
      const request = await service.authorizationUrl({ userId: "u-late", redirectUri: REDIRECT_URI });
      time.offset = 61_000; // pendingAuthorizationTtlSeconds: 60
      await expectCode(service.exchangeCode({ code: "x", state: request.state }), "state_expired");
    });

    it("rejects a state issued for another user or redirect URI, and consumes it", async () => {
      const { service } = setup(CLIENTS.basic);
      const forUser = await service.authorizationUrl({ userId: "alice", redirectUri: REDIRECT_URI });
      await expectCode(service.exchangeCode({ code: "x", state: forUser.state, userId: "mallory" }), "state_mismatch");
      await expectCode(service.exchangeCode({ code: "x", state: forUser.state, userId: "alice" }), "state_invalid");
      const forRedirect = await service.authorizationUrl({ userId: "alice", redirectUri: REDIRECT_URI });
      await expectCode(
        service.exchangeCode({ code: "x", state: forRedirect.state, redirectUri: "https://evil.test/cb" }),
        "state_mismatch",
      );
    });

    it("rejects a state issued by another vendor's service", async () => {
      const basic = setup(CLIENTS.basic);
      const other = createTokenService({
        vendor: authorizationServerVendor(as.issuer, { id: "oidc-other", clientAuth: "client_secret_basic", pkce: false }),
        credentials: basic.credentials,
        ...basic.backends,
      });
      const request = await other.authorizationUrl({ userId: "alice", redirectUri: REDIRECT_URI });
      await expectCode(basic.service.exchangeCode({ code: "x", state: request.state }), "state_mismatch");
    });
  });
});
