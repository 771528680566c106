// No test-runner imports here: the crash test bundles this file into a plain node child.
import type { VendorCredentials } from "../../../engine/manifest/credentials.js";
import type { VendorDefinition } from "../../../engine/manifest/vendor-definition.js";
import { testVendor } from "../../fixtures/oauth/manifests.js";

export const QUEUE_VENDOR = "queue-test";

/** The `post` client of the test authorization server (client_secret_post, PKCE). */
export const QUEUE_CREDENTIALS: VendorCredentials = { clientId: "post-client", clientSecret: "post-secret-0123456789", settings: {} };

/** A vendor whose OAuth is the test authorization server and whose API is the local vendor API server. */
export function queueTestVendor(options: { issuer: string; apiUrl: string }): VendorDefinition {
  return testVendor({
    id: QUEUE_VENDOR,
    displayName: "Queue test vendor",
    oauth: {
      authorizeUrl: `${options.issuer}/auth`,
      tokenUrl: `${options.issuer}/token`,
      scopes: ["openid", "activity", "sleep"],
      scopeSeparator: " ",
      clientAuth: "client_secret_post",
      pkce: true,
      refreshToken: "rotating",
      userId: { from: "profile", request: { method: "GET", path: "/me" }, field: "sub" },
      pendingAuthorizationTtlSeconds: 60,
    },
    api: { baseUrl: options.apiUrl, rateLimits: { windows: [{ limit: 100, periodSeconds: 1, per: "user" }] } },
  });
}
