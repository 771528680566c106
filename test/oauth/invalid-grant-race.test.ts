import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { isConnectorError } from "../../engine/errors.js";
import { createTokenService, type TokenService } from "../../engine/oauth/connections.js";
import { encodeTokenSet } from "../../engine/oauth/token-set.js";
import { testVendor, tokenResponseOAuth } from "../fixtures/oauth/manifests.js";

/**
 * A token endpoint with single-use, rotating refresh tokens whose answers can be delayed, so that one worker's
 * lease can lapse mid-refresh and another worker presents the refresh token the first has just spent.
 */
function rotatingTokenServer(delays: { rotateMs: number; reuseMs: number }) {
  let valid = "rt-1";
  const spent = new Set<string>();
  let generation = 1;
  const counts = { rotations: 0, invalidGrants: 0 };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const form = new URLSearchParams(body);
      const presented = form.get("refresh_token") ?? "";
      const answer = (status: number, json: unknown, delayMs: number) =>
        setTimeout(() => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json)), delayMs);
      if (form.get("grant_type") === "refresh_token" && presented === valid) {
        spent.add(valid);
        generation++;
        valid = `rt-${generation}`;
        counts.rotations++;
        return answer(200, { access_token: `at-${generation}`, refresh_token: valid, token_type: "Bearer", expires_in: 3600 }, delays.rotateMs);
      }
      counts.invalidGrants++;
      answer(400, { error: "invalid_grant", error_description: spent.has(presented) ? "refresh token already used" : "unknown" }, delays.reuseMs);
    });
  });
  return { server, counts };
}

let running: Server | undefined;
afterEach(() => {
  running?.close();
  running = undefined;
});

async function twoWorkers(delays: { rotateMs: number; reuseMs: number }) {
  const { server, counts } = rotatingTokenServer(delays);
  running = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const vendor = testVendor({
    id: "rotating",
    displayName: "Rotating",
    oauth: tokenResponseOAuth(base),
    api: { baseUrl: base },
  });
  const backends = createMemoryBackends();
  const credentials = { clientId: "c", clientSecret: "s", settings: {} };
  const make = (): TokenService => createTokenService({ vendor, credentials, ...backends, refreshLeaseTtlMs: 100 });
  // An expired connection holding refresh token rt-1.
  const tokens = { accessToken: "at-1", refreshToken: "rt-1", tokenType: "Bearer", expiresAt: Date.now() - 1000, scopes: [], raw: {}, obtainedAt: Date.now() - 3_600_000 };
  const sealedTokens = await backends.encryptor.seal(encodeTokenSet(tokens), { vendor: "rotating", userId: "u1" });
  await backends.tokenStore.put({ vendor: "rotating", userId: "u1", status: "active", sealedTokens, updatedAt: Date.now(), vendorUserId: "v1" }, null);
  return { first: make(), second: make(), counts };
}

const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

describe("invalid_grant for a refresh token another worker has just rotated is not a revocation", () => {
  it("the late invalid_grant re-reads the store and returns the other worker's tokens", async () => {
    const { first, second, counts } = await twoWorkers({ rotateMs: 300, reuseMs: 600 });
    const slow = first.refreshIfNeeded("u1");
    await new Promise((resolve) => setTimeout(resolve, 150)); // first's 100 ms lease has lapsed; its vendor call is in flight
    const late = second.refreshIfNeeded("u1");
    const [a, b] = await Promise.all([slow, late]);
    expect(counts).toEqual({ rotations: 1, invalidGrants: 1 });
    expect(a.accessToken).toBe("at-2");
    expect(b.accessToken).toBe("at-2");
    expect(await second.connectionStatus("u1")).toMatchObject({ status: "active" });
  });

  it("an invalid_grant that arrives before the rotation is stored: the rotating worker's tokens still win", async () => {
    const { first, second, counts } = await twoWorkers({ rotateMs: 300, reuseMs: 0 });
    const slow = settle(first.refreshIfNeeded("u1"));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const early = await settle(second.refreshIfNeeded("u1"));
    // The early worker saw a genuine-looking invalid_grant and nothing newer in the store: it says so...
    expect("error" in early && isConnectorError(early.error, "reauthorization_required")).toBe(true);
    // ...but the worker holding the vendor's newest tokens restores the connection instead of losing them.
    const rotated = await slow;
    expect("value" in rotated && rotated.value.accessToken).toBe("at-2");
    expect(counts.rotations).toBe(1);
    expect(await first.connectionStatus("u1")).toMatchObject({ status: "active" });
    expect((await second.getUserTokens("u1")).refreshToken).toBe("rt-2");
  });

  it("a real revocation (no concurrent rotation) marks the connection for re-authorization, once", async () => {
    const { first, counts } = await twoWorkers({ rotateMs: 0, reuseMs: 0 });
    // Spend rt-1 out of band (as if revoked at the vendor): the server now refuses it.
    await fetch(`http://127.0.0.1:${(running!.address() as AddressInfo).port}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "rt-1" }),
    });
    const outcome = await settle(first.refreshIfNeeded("u1"));
    expect("error" in outcome && isConnectorError(outcome.error, "reauthorization_required")).toBe(true);
    expect(await first.connectionStatus("u1")).toMatchObject({ status: "reauthorization_required" });
    const again = await settle(first.refreshIfNeeded("u1"));
    expect("error" in again && isConnectorError(again.error, "reauthorization_required")).toBe(true);
    expect(counts.invalidGrants).toBe(1); // no loop: the second call does not go back to the vendor
  });
});
