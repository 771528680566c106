import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createVendorApiClient, type BearerTokenSource } from "../../engine/api/client.js";
import { readRateLimitSignal } from "../../engine/api/rate-limit-headers.js";
import { isConnectorError } from "../../engine/errors.js";
import type { RateLimits } from "../../engine/manifest/manifest.generated.js";
import { testVendor, tokenResponseOAuth } from "../fixtures/oauth/manifests.js";
import { startRateLimitedApi, type RateLimitedApi } from "../fixtures/oauth/rate-limited-api.js";

const WHOOP_HEADERS: NonNullable<RateLimits["headers"]> = {
  limit: "X-RateLimit-Limit",
  remaining: "X-RateLimit-Remaining",
  reset: "X-RateLimit-Reset",
  resetUnit: "seconds",
};

let api: RateLimitedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function client(baseUrl: string, rateLimits: RateLimits | undefined, tokens: BearerTokenSource = { current: async () => "token" }, extra = {}) {
  const vendor = testVendor({
    id: "rate-limited",
    displayName: "Rate limited",
    settings: { subscriptionKey: { secret: true } },
    oauth: tokenResponseOAuth(baseUrl),
    api: { baseUrl, headers: { "Ocp-Apim-Subscription-Key": "{settings.subscriptionKey}" }, ...(rateLimits ? { rateLimits } : {}) },
  });
  const { rateLimiter } = createMemoryBackends();
  return createVendorApiClient({
    vendor,
    credentials: { clientId: "id", clientSecret: "secret", settings: { subscriptionKey: "sub-key-1" } },
    tokens,
    rateLimiter,
    userId: "user-1",
    ...extra,
  });
}

async function burst(http: ReturnType<typeof client>, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async (_, index) => (await http.get(`items/${index}`)).status));
}

describe("vendor API client: rate limits over real HTTP", () => {
  it("knowing the limit from the manifest, a burst of 60 gets through with zero 429 and within the limit", async () => {
    // Client and server share one event loop, so on a loaded machine a paced burst can arrive bunched: the server
    // forgives half a second of bunching (10 tokens). A client ignoring the limit sends all 60 at once and still fails.
    api = await startRateLimitedApi({ limit: 20, jitterTokens: 10 });
    const http = client(api.url, { windows: [{ limit: 20, periodSeconds: 1, per: "app" }] });
    const started = performance.now();
    const statuses = await burst(http, 60);
    const seconds = (performance.now() - started) / 1000;
    const achieved = 60 / seconds;
    console.info(
      `known limit: 60 requests, ${api.rejected.length} x 429, ${seconds.toFixed(2)} s, ${achieved.toFixed(1)} req/s, max ${api.maxAcceptedWithin(1000)} in any 1 s`,
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(api.rejected).toHaveLength(0);
    // A token bucket of 20/s with capacity 20 admits at most 20 + 20 in any one second of the client's clock, and
    // 20/s on average. The server counts arrivals, which a loaded event loop can bunch: 10% of slack (unpaced: 60).
    expect(api.maxAcceptedWithin(1000)).toBeLessThanOrEqual(44);
    expect(seconds).toBeGreaterThanOrEqual((60 - 20) / 20 - 0.1);
    // Every request carried the bearer token and the manifest's static header.
    expect(api.requests.every((request) => request.headers.authorization === "Bearer token")).toBe(true);
    expect(api.requests.every((request) => request.headers["ocp-apim-subscription-key"] === "sub-key-1")).toBe(true);
  });

  it("with unknown limits, 429 + Retry-After pauses the bucket and every request still gets through", async () => {
    api = await startRateLimitedApi({ limit: 20 });
    const http = client(api.url, undefined);
    const started = performance.now();
    const statuses = await burst(http, 60);
    const seconds = (performance.now() - started) / 1000;
    console.info(`unknown limit: 60 requests, ${api.rejected.length} x 429, ${seconds.toFixed(2)} s, ${(60 / seconds).toFixed(1)} req/s`);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(api.accepted).toHaveLength(60);
    expect(api.rejected.length).toBeGreaterThan(0);
  });

  it("learns from X-RateLimit-Remaining: 0 and waits for the reset instead of taking a 429", async () => {
    api = await startRateLimitedApi({ limit: 20, rateLimitHeaders: true, jitterTokens: 0 });
    const http = client(api.url, { headers: WHOOP_HEADERS });
    for (let index = 0; index < 30; index++) expect((await http.get(`seq/${index}`)).status).toBe(200);
    console.info(`remaining-header learning: 30 sequential requests, ${api.rejected.length} x 429`);
    expect(api.rejected).toHaveLength(0);
  });

  it("fails with rate_limit_timeout when no capacity comes before the deadline", async () => {
    api = await startRateLimitedApi({ limit: 100 });
    const http = client(api.url, { windows: [{ limit: 1, periodSeconds: 60, per: "user" }] }, undefined, { rateLimitWaitMs: 200 });
    expect((await http.get("one")).status).toBe(200);
    const error = await http.get("two").catch((caught: unknown) => caught);
    expect(isConnectorError(error, "rate_limit_timeout")).toBe(true);
    expect(api.requests).toHaveLength(1);
  });
});

describe("vendor API client: tokens and retries", () => {
  it("renews the token once on 401 and retries", async () => {
    api = await startRateLimitedApi({ limit: 100 });
    let current = "old-token";
    const renewed: string[] = [];
    const http = client(api.url, undefined, {
      current: async () => current,
      renew: async (rejected) => {
        renewed.push(rejected);
        current = "new-token";
        return current;
      },
    });
    expect(await http.get("needs-new-token").json()).toEqual({ path: "/needs-new-token" });
    expect(renewed).toEqual(["old-token"]);
  });

  it("does not loop when the renewed token is refused too", async () => {
    api = await startRateLimitedApi({ limit: 100 });
    let renewals = 0;
    const http = client(api.url, undefined, {
      current: async () => `token-${renewals}`,
      renew: async () => `token-${++renewals}`,
    });
    const response = await http.get("needs-new-token", { throwHttpErrors: false });
    expect(response.status).toBe(401);
    expect(renewals).toBe(1);
    expect(api.requests).toHaveLength(2);
  });

  it("retries 5xx on idempotent methods honouring Retry-After, not on POST", async () => {
    api = await startRateLimitedApi({ limit: 100 });
    const http = client(api.url, undefined, undefined, { backoffBaseMs: 10 });
    expect((await http.get("flaky-get")).status).toBe(200);
    expect(api.requests.filter((request) => request.path === "/flaky-get")).toHaveLength(2);
    expect((await http.post("flaky-post", { throwHttpErrors: false, json: {} })).status).toBe(503);
    expect(api.requests.filter((request) => request.path === "/flaky-post")).toHaveLength(1);
  });
});

describe("rate-limit header parsing", () => {
  const now = 1_800_000_000_000;
  it("reads seconds-until-reset, epoch seconds and epoch milliseconds", () => {
    const read = (value: string, resetUnit?: "seconds" | "epoch-seconds" | "epoch-milliseconds") =>
      readRateLimitSignal(new Headers({ "x-ratelimit-reset": value }), { reset: "X-RateLimit-Reset", ...(resetUnit ? { resetUnit } : {}) }, now).resetAt;
    expect(read("30")).toBe(now + 30_000);
    expect(read("1800000060", "epoch-seconds")).toBe(1_800_000_060_000);
    expect(read("1800000060")).toBe(1_800_000_060_000); // only an epoch can be this large
    expect(read("1800000060500", "epoch-milliseconds")).toBe(1_800_000_060_500);
  });

  it("reads WHOOP's multi-valued limit header, remaining, and Retry-After as seconds or HTTP-date", () => {
    const signal = readRateLimitSignal(
      new Headers({ "x-ratelimit-limit": "100, 100;window=60, 10000;window=86400", "x-ratelimit-remaining": "0", "retry-after": "7" }),
      WHOOP_HEADERS,
      now,
    );
    expect(signal).toMatchObject({ limit: 100, remaining: 0, retryAt: now + 7_000 });
    const date = new Date(now + 120_000).toUTCString();
    expect(readRateLimitSignal(new Headers({ "retry-after": date }), undefined, now).retryAt).toBe(now + 120_000);
  });
});
