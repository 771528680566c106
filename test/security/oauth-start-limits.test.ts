import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler, type FetchHandlerOptions } from "../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import { clientKey } from "../../engine/handlers/oauth-start-guard.js";
import type { PendingAuthorization } from "../../engine/ports/pending-authorization-store.js";
import { rawRequest } from "../e2e/support.js";
import { whoopDefinition, WHOOP_CREDENTIALS } from "../handlers/support.js";
import { LINK_KEY } from "./oauth-support.js";

// Issue 10 §5: start floods, parameter sizes, the redirect URI from the Host header. Real HTTP to the fetch handler
// behind node:http; the pending store is wrapped to count what reaches it.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(options: Omit<FetchHandlerOptions, "logger"> = {}): Promise<{ origin: string; engine: ConnectorEngine; saved: PendingAuthorization[] }> {
  const backends = createMemoryBackends();
  const saved: PendingAuthorization[] = [];
  const pendingAuthorizations = {
    save: async (pending: PendingAuthorization) => {
      saved.push(pending);
      await backends.pendingAuthorizations.save(pending);
    },
    consume: (state: string) => backends.pendingAuthorizations.consume(state),
  };
  const engine = createConnectorEngine({
    vendors: [await whoopDefinition()],
    backends: { ...backends, pendingAuthorizations },
    credentials: { whoop: WHOOP_CREDENTIALS },
    connectLinkKeys: [LINK_KEY],
  });
  const handler = createFetchHandler(engine, { logger: () => {}, ...options });
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, engine, saved };
}

const linkFor = (engine: ConnectorEngine, userId: string) => engine.connectLink({ vendor: "whoop", userId }).token;

describe("GET /oauth/:vendor/start before anyone is authenticated", () => {
  it("is refused without an authorize hook and without a connect link (fail closed)", async () => {
    const { origin, saved } = await serve();
    const response = await fetch(`${origin}/oauth/whoop/start?userId=victim`, { redirect: "manual" });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "start_not_authorized" });
    expect(saved).toHaveLength(0);
  });

  it("caps parameter lengths (400) before storing anything: a 15 KB scope, a long user id, an oversized link", async () => {
    const { origin, engine, saved } = await serve({ authorize: () => true });
    const link = linkFor(engine, "alice");
    const cases: Record<string, string> = {
      scope: `userId=alice&scope=${"a".repeat(15_000)}`,
      "scope (many)": `link=${link}&scope=${Array.from({ length: 40 }, (_, i) => `s${i}`).join("+")}`,
      userId: `userId=${"u".repeat(300)}`,
      link: `link=${"a".repeat(1500)}`,
      "a repeated userId": "userId=alice&userId=bob",
      "control characters": "userId=al%0Aice",
    };
    for (const [name, query] of Object.entries(cases)) {
      const response = await fetch(`${origin}/oauth/whoop/start?${query}`, { redirect: "manual" });
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as { error: string }).error, name).toBe("invalid_parameter");
    }
    expect(saved).toHaveLength(0);
    const ok = await fetch(`${origin}/oauth/whoop/start?link=${link}&scope=read:sleep`, { redirect: "manual" });
    expect(ok.status).toBe(302);
    expect(saved).toHaveLength(1);
  });

  it("rate-limits starts per client address (429 with Retry-After), without touching another client's share", async () => {
    const { origin, engine, saved } = await serve({
      startRateLimits: { perClient: [{ limit: 5, periodSeconds: 3600 }], global: [{ limit: 1000, periodSeconds: 3600 }], perUser: [{ limit: 1000, periodSeconds: 3600 }] },
    });
    const link = linkFor(engine, "alice");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await rawRequest(`${origin}/oauth/whoop/start?link=${link}`, { method: "GET" })).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429, 429]);
    const limited = await rawRequest(`${origin}/oauth/whoop/start?link=${link}`, { method: "GET" });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(JSON.parse(limited.body)).toEqual({ error: "rate_limited" });
    // Another address on this machine still gets its own share.
    const other = await rawRequest(`${origin}/oauth/whoop/start?link=${link}`, { method: "GET", localAddress: "127.0.0.2" });
    expect(other.status).toBe(302);
    expect(saved).toHaveLength(6);
  });

  it("bounds the whole service and each user, so pending rows stay bounded whatever the number of clients", async () => {
    const { origin, engine, saved } = await serve({
      startRateLimits: { perClient: [{ limit: 1000, periodSeconds: 3600 }], global: [{ limit: 6, periodSeconds: 3600 }], perUser: [{ limit: 3, periodSeconds: 3600 }] },
    });
    const alice = linkFor(engine, "alice");
    const bob = linkFor(engine, "bob");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${origin}/oauth/whoop/start?link=${alice}`, { redirect: "manual" })).status);
    expect(statuses).toEqual([302, 302, 302, 429, 429]); // per user: 3
    statuses.length = 0;
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${origin}/oauth/whoop/start?link=${bob}`, { redirect: "manual" })).status);
    expect(statuses).toEqual([302, 429, 429]); // the service's 6: alice's 5 attempts (refused ones count too), then 1
    expect(saved.length).toBeLessThanOrEqual(6);
  });
});

describe("redirect_uri", () => {
  it("is never built from a Host header that is not a loopback host", async () => {
    const { origin, engine, saved } = await serve();
    const link = linkFor(engine, "alice");
    const spoofed = await rawRequest(`${origin}/oauth/whoop/start?link=${link}`, { method: "GET", headers: { host: "evil.example" } });
    expect(spoofed.status).toBe(500);
    expect(JSON.parse(spoofed.body)).toEqual({ error: "public_url_not_configured" });
    expect(saved).toHaveLength(0);
    const local = await rawRequest(`${origin}/oauth/whoop/start?link=${link}`, { method: "GET", headers: { host: "localhost:8787" } });
    expect(local.status).toBe(302);
    expect(new URL(String(local.headers.location)).searchParams.get("redirect_uri")).toBe("http://localhost:8787/oauth/whoop/callback");
  });

  it("is not taken from a loopback Host header sent by a remote client", async () => {
    const engine = createConnectorEngine({ vendors: [await whoopDefinition()], backends: createMemoryBackends(), credentials: { whoop: WHOOP_CREDENTIALS }, connectLinkKeys: [LINK_KEY] });
    const handler = createFetchHandler(engine, { logger: () => {} });
    const start = () => new Request(`http://localhost:8787/oauth/whoop/start?link=${linkFor(engine, "alice")}`);
    const remote = await handler(start(), { sourceIp: "203.0.113.9" });
    expect(remote.status).toBe(500);
    const local = await handler(start(), { sourceIp: "::ffff:127.0.0.1" });
    expect(local.status).toBe(302);
  });

  it("comes from the configured public URL whatever the Host header says, with a Secure cookie for https", async () => {
    const { origin, engine } = await serve({ publicOrigin: "https://connector.example", prefix: "/c" });
    const link = linkFor(engine, "alice");
    const response = await rawRequest(`${origin}/c/oauth/whoop/start?link=${link}`, { method: "GET", headers: { host: "evil.example" } });
    expect(response.status).toBe(302);
    expect(new URL(String(response.headers.location)).searchParams.get("redirect_uri")).toBe("https://connector.example/c/oauth/whoop/callback");
    expect(response.headers["set-cookie"]).toEqual([expect.stringMatching(/; Path=\/c\/oauth\/whoop\/callback; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/)]);
  });
});

describe("the per-client start bucket", () => {
  it("counts an IPv6 client by its /64, so rotating addresses within it does not buy new starts", () => {
    expect(clientKey("2001:db8::1")).toBe(clientKey("2001:db8:0:0:ffff::2"));
    expect(clientKey("2001:db8:0:1::1")).not.toBe(clientKey("2001:db8:0:2::1"));
    expect(clientKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientKey("192.0.2.7")).not.toBe(clientKey("192.0.2.8"));
  });
});
