// No test-runner imports here: the crash test bundles this file into a plain node child.
import { defineVendor } from "../../../engine/manifest/loader.js";
import type { VendorCredentials } from "../../../engine/manifest/credentials.js";
import type { Stream } from "../../../engine/manifest/manifest.generated.js";
import type { VendorDefinition } from "../../../engine/manifest/vendor-definition.js";

export const SYNC_VENDOR = "sync-test";
export const SYNC_CREDENTIALS: VendorCredentials = { clientId: "sync-client", clientSecret: "sync-secret", settings: {} };
const WEEK_SECONDS = 7 * 86_400;

const window = { query: { start: "{window.start}", end: "{window.end}" }, timeFormat: "epoch-seconds" } as const;

/** One stream per pagination style, all over the same records of the local records API. */
export const STREAMS: Record<"token" | "paged" | "offset" | "linked", Stream> = {
  token: {
    name: "token",
    eventType: "reading",
    request: { method: "GET", path: "/v1/token", ...window },
    records: "data",
    recordId: "id",
    cursor: "time",
    pagination: { type: "token", next: "next_token", param: "next_token" },
    window: { maxSeconds: WEEK_SECONDS },
    webhookEvents: ["reading.created"],
  },
  paged: {
    name: "paged",
    request: { method: "GET", path: "/v1/paged", ...window },
    records: "data",
    recordId: "id",
    pagination: { type: "page", param: "page", size: 20, sizeParam: "per_page" },
    window: { maxSeconds: WEEK_SECONDS },
  },
  offset: {
    name: "offset",
    request: { method: "GET", path: "/v1/offset", ...window },
    records: "items",
    recordId: "id",
    pagination: { type: "offset", param: "offset", size: 30, sizeParam: "limit" },
    window: { maxSeconds: WEEK_SECONDS },
  },
  linked: {
    name: "linked",
    request: { method: "GET", path: "/v1/linked", ...window },
    records: "$",
    recordId: "id",
    pagination: { type: "link" },
    window: { maxSeconds: WEEK_SECONDS },
  },
};

/** A vendor with pull streams against the records API and a push webhook whose events carry the same records. */
export function syncTestVendor(apiUrl: string, streams: readonly Stream[] = [STREAMS.token], uses: { backfillDays?: number; reconciliationSeconds?: number; pollSeconds?: number } = {}): VendorDefinition {
  return defineVendor(
    {
      id: SYNC_VENDOR,
      displayName: "Sync test vendor",
      oauth: {
        authorizeUrl: "https://sync.example/authorize",
        tokenUrl: "https://sync.example/token",
        clientAuth: "client_secret_post",
        pkce: true,
        refreshToken: "rotating",
        userId: { from: "tokenResponse", field: "user_id" },
      },
      api: { baseUrl: apiUrl, rateLimits: { windows: [{ limit: 1000, periodSeconds: 1, per: "app" }] } },
      webhooks: {
        body: "json",
        signature: { scheme: "shared-secret", header: "X-Secret", secret: "{clientSecret}" },
        events: { mappings: [{ type: "reading.created", match: "true", delivery: "push", map: '{ "userId": user, "resourceId": id, "data": $ }' }] },
      },
      sync: {
        streams,
        backfill: { days: uses.backfillDays ?? 90 },
        ...(uses.reconciliationSeconds ? { reconciliation: { everySeconds: 3600, windowSeconds: uses.reconciliationSeconds } } : {}),
        ...(uses.pollSeconds ? { poll: { everySeconds: uses.pollSeconds } } : {}),
      },
    },
    `test:${SYNC_VENDOR}`,
  );
}
