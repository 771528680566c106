import { describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { testVendor } from "../fixtures/oauth/manifests.js";

// Issue 10 §5: plain-http authorization, token, revocation and API URLs are refused unless local testing is
// explicitly allowed. The test run itself sets SYNHEART_ALLOW_INSECURE_HTTP=1 (vitest.config.ts), so each case
// passes its own env.
function vendorWith(urls: { authorize?: string; token?: string; refresh?: string; revoke?: string; api?: string }) {
  return testVendor({
    id: "plain",
    displayName: "Plain",
    oauth: {
      authorizeUrl: urls.authorize ?? "https://vendor.example/authorize",
      tokenUrl: urls.token ?? "https://vendor.example/token",
      ...(urls.refresh ? { refreshUrl: urls.refresh } : {}),
      scopes: ["read"],
      clientAuth: "client_secret_post",
      pkce: true,
      refreshToken: "rotating",
      userId: { from: "tokenResponse", field: "user_id" },
      ...(urls.revoke ? { revoke: { url: urls.revoke, method: "POST" as const, send: "rfc7009" as const } } : {}),
    },
    api: { baseUrl: urls.api ?? "https://api.vendor.example" },
  });
}

const engineFor = (vendor: ReturnType<typeof vendorWith>, options: { env?: Record<string, string>; allowInsecureHttp?: boolean | string[] } = {}) =>
  createConnectorEngine({ vendors: [vendor], backends: createMemoryBackends(), credentials: { plain: { clientId: "c", clientSecret: "s", settings: {} } }, env: options.env ?? {}, ...(options.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: options.allowInsecureHttp }) });

describe("plain-http vendor endpoints", () => {
  it.each([
    ["oauth.authorizeUrl", { authorize: "http://vendor.example/authorize" }],
    ["oauth.tokenUrl", { token: "http://vendor.example/token" }],
    ["oauth.refreshUrl", { refresh: "http://vendor.example/refresh" }],
    ["oauth.revoke.url", { revoke: "http://vendor.example/revoke" }],
    ["api.baseUrl", { api: "http://api.vendor.example" }],
    ["oauth.tokenUrl on loopback", { token: "http://127.0.0.1:8080/token" }],
  ])("refuses %s", (field, urls) => {
    let error: unknown;
    try {
      engineFor(vendorWith(urls));
    } catch (caught) {
      error = caught;
    }
    expect(isConnectorError(error, "insecure_url")).toBe(true);
    expect((error as Error).message).toContain(field.split(" ")[0]!);
  });

  it("accepts them only with the explicit option or SYNHEART_ALLOW_INSECURE_HTTP=1, and https always", () => {
    const plain = vendorWith({ token: "http://127.0.0.1:8080/token", api: "http://127.0.0.1:8081" });
    expect(engineFor(plain, { allowInsecureHttp: true }).vendors).toHaveLength(1);
    expect(engineFor(plain, { allowInsecureHttp: ["plain"] }).vendors).toHaveLength(1);
    expect(engineFor(plain, { env: { SYNHEART_ALLOW_INSECURE_HTTP: "1" } }).vendors).toHaveLength(1);
    expect(() => engineFor(plain, { allowInsecureHttp: ["another-vendor"] })).toThrow(/https/);
    expect(() => engineFor(plain, { env: { SYNHEART_ALLOW_INSECURE_HTTP: "true" } })).toThrow(/https/);
    expect(engineFor(vendorWith({})).vendors).toHaveLength(1);
  });
});
