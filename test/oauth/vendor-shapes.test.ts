import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { isConnectorError } from "../../engine/errors.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createTokenService } from "../../engine/oauth/connections.js";
import { testVendor } from "../fixtures/oauth/manifests.js";
import { startVendorServer, type VendorServer } from "../fixtures/oauth/vendor-server.js";

const REDIRECT = "https://connector.test/cb";
let vendorServer: VendorServer;
beforeAll(async () => {
  vendorServer = await startVendorServer();
});
afterAll(async () => {
  await vendorServer?.close();
});

function service(vendor: VendorDefinition, credentials: VendorCredentials) {
  const time = { offset: 0 };
  const clock = () => Date.now() + time.offset;
  return { time, tokens: createTokenService({ vendor, credentials, clock, ...createMemoryBackends({ clock }) }) };
}

async function connect(tokens: ReturnType<typeof service>["tokens"], userId: string, code: string) {
  const { state } = await tokens.authorizationUrl({ userId, redirectUri: REDIRECT });
  return tokens.exchangeCode({ code, state });
}

describe("vendor shapes expressed by the manifest alone", () => {
  it("Withings: action=requesttoken, envelope {status, body}, string expires_in, userid in the body, rotation", async () => {
    const vendor = testVendor({
      id: "withings-like",
      displayName: "Withings-like",
      oauth: {
        authorizeUrl: `${vendorServer.url}/withings/oauth2_user/authorize2`,
        tokenUrl: `${vendorServer.url}/withings/v2/oauth2`,
        scopes: ["user.info", "user.metrics"],
        scopeSeparator: ",",
        clientAuth: "client_secret_post",
        pkce: false,
        tokenParams: { action: "requesttoken" },
        tokenResponse: { path: "body", success: "status = 0" },
        refreshToken: "rotating",
        userId: { from: "tokenResponse", field: "userid" },
      },
      api: { baseUrl: `${vendorServer.url}/withings` },
    });
    const { tokens, time } = service(vendor, { clientId: "w-client", clientSecret: "w-secret", settings: {} });
    const authorization = await tokens.authorizationUrl({ userId: "w-user", redirectUri: REDIRECT });
    expect(new URL(authorization.url).searchParams.get("scope")).toBe("user.info,user.metrics");

    const connected = await tokens.exchangeCode({ code: "w-code", state: authorization.state });
    expect(connected.vendorUserId).toBe("363");
    expect(connected.tokens).toMatchObject({ accessToken: "w-at-1", refreshToken: "w-rt-1", scopes: ["user.info", "user.metrics"] });
    expect(connected.tokens.raw).toMatchObject({ userid: 363, csrf_token: "csrf" });
    expect(connected.tokens.expiresAt! - connected.tokens.obtainedAt).toBe(10_800_000);
    const tokenRequest = vendorServer.log.find((entry) => entry.path === "/withings/v2/oauth2");
    expect(tokenRequest?.form).toMatchObject({ action: "requesttoken", grant_type: "authorization_code", client_id: "w-client" });

    time.offset = 3 * 3_600_000;
    const refreshed = await tokens.refreshIfNeeded("w-user");
    expect(refreshed).toMatchObject({ accessToken: "w-at-2", refreshToken: "w-rt-2" });
    expect((await tokens.connectionStatus("w-user")).status).toBe("active");

    // An envelope failure (HTTP 200, status != 0) is a typed error naming the vendor status, not a token.
    const { state } = await tokens.authorizationUrl({ userId: "w-other", redirectUri: REDIRECT });
    const failure = await tokens.exchangeCode({ code: "bad-code", state }).catch((error: unknown) => error);
    expect(isConnectorError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: "invalid_grant", details: { status: 200, error: "invalid_grant", vendorStatus: "601" } });
  });

  it("Polar: basic auth, no refresh token, registration POST answered 409 is fine, revoke by de-registration", async () => {
    const vendor = testVendor({
      id: "polar-like",
      displayName: "Polar-like",
      oauth: {
        authorizeUrl: `${vendorServer.url}/polar/authorization`,
        tokenUrl: `${vendorServer.url}/polar/token`,
        scopes: ["accesslink.read_all"],
        clientAuth: "client_secret_basic",
        pkce: false,
        refreshToken: "none",
        userId: { from: "tokenResponse", field: "x_user_id" },
        afterAuthorization: [{ method: "POST", path: "/v3/users", json: { "member-id": "{userId}" }, acceptStatus: [200, 409] }],
        revoke: { path: "/v3/users/{vendorUserId}", method: "DELETE", send: "bearer", acceptStatus: [200, 204] },
      },
      api: { baseUrl: `${vendorServer.url}/polar/api` },
    });
    const { tokens } = service(vendor, { clientId: "p-client", clientSecret: "p-secret", settings: {} });
    const first = await connect(tokens, "p-user", "p-code");
    expect(first.vendorUserId).toBe("4242");
    expect(first.tokens.refreshToken).toBeUndefined();
    expect(first.tokens.tokenType).toBe("bearer");
    expect(vendorServer.polarRegistrations.get("p-user")).toBe(1);
    // Connecting again: the registration answers 409, which the manifest accepts.
    const second = await connect(tokens, "p-user", "p-code");
    expect(second.connection.status).toBe("active");
    expect(vendorServer.polarRegistrations.get("p-user")).toBe(2);
    // A ten-year token needs no refresh, and there is nothing to refresh with.
    expect((await tokens.refreshIfNeeded("p-user")).accessToken).toBe("p-at");

    const revoked = await tokens.revokeTokens("p-user");
    expect(revoked).toMatchObject({ revokedAtVendor: true, deleted: true, vendorRevocation: { outcome: "revoked", status: 204 } });
    const deregistration = vendorServer.log.find((entry) => entry.method === "DELETE");
    expect(deregistration).toMatchObject({ path: "/polar/api/v3/users/4242" });
    expect(deregistration?.headers.authorization).toBe("Bearer p-at");
  });

  it("COROS-like: separate refresh URL, refresh without refresh_token keeps the old one, narrowed scope is stored", async () => {
    const vendor = testVendor({
      id: "coros-like",
      displayName: "COROS-like",
      oauth: {
        authorizeUrl: `${vendorServer.url}/coros/authorize`,
        tokenUrl: `${vendorServer.url}/coros/token`,
        refreshUrl: `${vendorServer.url}/coros/refresh`,
        scopes: ["read", "write"],
        clientAuth: "client_secret_post",
        pkce: false,
        refreshToken: "reusable",
        userId: { from: "tokenResponse", field: "openId" },
      },
      api: { baseUrl: `${vendorServer.url}/coros/api` },
    });
    const { tokens, time } = service(vendor, { clientId: "c-client", clientSecret: "c-secret", settings: {} });
    const connected = await connect(tokens, "c-user", "c-code");
    expect(connected.vendorUserId).toBe("coros-77");
    time.offset = 31 * 24 * 3_600_000;
    const refreshed = await tokens.refreshIfNeeded("c-user");
    expect(refreshed).toMatchObject({ accessToken: "c-at-2", refreshToken: "c-rt", scopes: ["read"] });
    expect(vendorServer.log.filter((entry) => entry.path === "/coros/refresh")).toHaveLength(1);
  });
});
