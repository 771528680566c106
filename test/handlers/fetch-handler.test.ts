import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { parseEnvFile, withEnvFile } from "../../engine/cli/commands/serve.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { requireAdminToken } from "../../engine/handlers/local-authorization.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import type { RequestLogEntry } from "../../engine/handlers/request-log.js";
import type { Backends } from "../../engine/ports/backends.js";
import { receiveWebhook } from "../../engine/webhooks/ingest.js";
import { signedWhoop, whoopEngine, whoopSample } from "./support.js";

const BASE = "http://connector.test";

async function handlerWithLogs(options: Parameters<typeof createFetchHandler>[1] = {}, override?: (backends: Backends) => Backends) {
  const engine = await whoopEngine(override);
  const logs: RequestLogEntry[] = [];
  return { engine, logs, handler: createFetchHandler(engine, { logger: (entry) => logs.push(entry), ...options }) };
}

describe("routes", () => {
  it("serves under a prefix and nowhere else", async () => {
    const { handler } = await handlerWithLogs({ prefix: "/connector/" });
    expect((await handler(new Request(`${BASE}/connector/healthz`))).status).toBe(200);
    expect((await handler(new Request(`${BASE}/healthz`))).status).toBe(404);
    expect((await handler(new Request(`${BASE}/connector/webhooks/whoop`, { method: "PUT", body: "{}" }))).status).toBe(405);
  });

  it("validates vendor ids before any lookup", async () => {
    const { handler, logs } = await handlerWithLogs();
    for (const vendor of ["..", "%2e%2e", "Whoop", "whoop.yaml", "a", "x".repeat(41), "..%2fwhoop"]) {
      const response = await handler(new Request(`${BASE}/webhooks/${vendor}`, { method: "POST", body: "{}" }));
      expect(response.status).toBe(404);
      // "..": the URL parser already resolves it (not_found); everything else fails the id pattern.
      expect(["unknown_vendor", "not_found"]).toContain(((await response.json()) as { error: string }).error);
    }
    expect(logs.every((entry) => entry.vendor === undefined)).toBe(true);
  });

  it("refuses DELETE /connections without an authorize hook, and runs revocation with one", async () => {
    const open = await handlerWithLogs();
    expect((await open.handler(new Request(`${BASE}/connections/whoop/u1`, { method: "DELETE" }))).status).toBe(403);
    const authorize = vi.fn().mockResolvedValue(true);
    const guarded = await handlerWithLogs({ authorize });
    const response = await guarded.handler(new Request(`${BASE}/connections/whoop/user%201`, { method: "DELETE" }), { sourceIp: "10.0.0.1" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: false, revokedAtVendor: false });
    expect(authorize).toHaveBeenCalledWith(expect.any(Request), { name: "connection", vendor: "whoop", userId: "user 1" }, { sourceIp: "10.0.0.1" });
  });

  it("sends the browser to the vendor and back with a short error code, never the vendor's words", async () => {
    const { handler, logs } = await handlerWithLogs({
      errorUrl: "https://app.test/connect/failed",
      successUrl: "https://app.test/connect/done",
      publicOrigin: BASE,
      authorize: () => true,
    });
    const start = await handler(new Request(`${BASE}/oauth/whoop/start?userId=alice`));
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location")!);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${BASE}/oauth/whoop/callback`);
    const denied = await handler(new Request(`${BASE}/oauth/whoop/callback?error=access_denied&error_description=%3Cscript%3E&state=${authorize.searchParams.get("state")}`));
    expect(denied.headers.get("location")).toBe("https://app.test/connect/failed?vendor=whoop&error=authorization_denied");
    const forged = await handler(new Request(`${BASE}/oauth/whoop/callback?code=abc&state=forged`));
    expect(forged.headers.get("location")).toBe("https://app.test/connect/failed?vendor=whoop&error=state_invalid");
    expect((await handler(new Request(`${BASE}/oauth/whoop/start`))).status).toBe(400);
    expect(JSON.stringify(logs)).not.toContain("alice");
    expect(logs[0]).toMatchObject({ route: "/oauth/:vendor/start", vendor: "whoop", outcome: "redirected", status: 302, userHash: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});

describe("webhook bodies", () => {
  it("stops reading a streamed body without Content-Length at the limit (413)", async () => {
    const { handler, engine } = await handlerWithLogs({ maxBodyBytes: 1024 });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
        if (pulled > 1000) controller.close();
      },
    });
    const response = await handler(new Request(`${BASE}/webhooks/whoop`, { method: "POST", body: stream, duplex: "half" } as RequestInit));
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect(await engine.backends.jobQueue.receive()).toEqual([]);
  });

  it("refuses at once when Content-Length is over the limit", async () => {
    const { handler } = await handlerWithLogs({ maxBodyBytes: 10 });
    const response = await handler(new Request(`${BASE}/webhooks/whoop`, { method: "POST", body: "x".repeat(11) }));
    expect(response.status).toBe(413);
  });

  it("logs one line per request with event types and a hashed user id, never headers or bodies", async () => {
    const { handler, logs } = await handlerWithLogs();
    const body = whoopSample();
    const headers = await signedWhoop(body);
    expect((await handler(new Request(`${BASE}/webhooks/whoop`, { method: "POST", headers, body }))).status).toBe(200);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ kind: "request", route: "/webhooks/:vendor", method: "POST", vendor: "whoop", eventTypes: ["sleep.updated"], eventCount: 1, outcome: "accepted", status: 200 });
    const line = JSON.stringify(logs[0]);
    expect(line).not.toContain(headers["X-WHOOP-Signature"]!);
    expect(line).not.toContain("10129"); // the sample's user_id
  });
});

describe("receiveWebhook when the queue fails", () => {
  it("answers 503 and remembers nothing when the store fails, so the retry is accepted", async () => {
    let failing = true;
    const engine = await whoopEngine((backends) => ({
      ...backends,
      ingest: { admit: async (delivery) => (failing ? { status: "failed", reason: "throttled" } : backends.ingest.admit(delivery)) },
    }));
    const body = whoopSample();
    const request = { method: "POST", headers: await signedWhoop(body), rawBody: body };
    const down = await receiveWebhook(engine, "whoop", request);
    expect(down).toMatchObject({ outcome: "unavailable", eventCount: 0, response: { status: 503 } });
    failing = false;
    expect(await receiveWebhook(engine, "whoop", request)).toMatchObject({ outcome: "accepted", eventCount: 1, response: { status: 200 } });
    expect(await receiveWebhook(engine, "whoop", request)).toMatchObject({ outcome: "replayed", response: { status: 409 } });
    expect(await engine.backends.jobQueue.receive({ maxJobs: 10 })).toHaveLength(1);
  });

  it("asks the vendor to retry later (503 with the claim's Retry-After) while another attempt is storing the delivery", async () => {
    const engine = await whoopEngine((backends) => ({ ...backends, ingest: { admit: async () => ({ status: "in_progress", retryAfterSeconds: 7 }) } }));
    const body = whoopSample();
    const result = await receiveWebhook(engine, "whoop", { method: "POST", headers: await signedWhoop(body), rawBody: body });
    expect(result).toMatchObject({ outcome: "in_progress", eventCount: 0, response: { status: 503, headers: { "retry-after": "7" } } });
  });

  it("answers 503 when the store throws, and 404 for an unknown vendor", async () => {
    const engine = await whoopEngine((backends) => ({ ...backends, ingest: { admit: () => Promise.reject(new Error("down")) } }));
    const body = whoopSample();
    expect(await receiveWebhook(engine, "whoop", { method: "POST", headers: await signedWhoop(body), rawBody: body })).toMatchObject({ outcome: "unavailable", response: { status: 503 } });
    expect(await receiveWebhook(engine, "acme", { method: "POST", headers: {}, rawBody: "{}" })).toMatchObject({ outcome: "rejected", errorCode: "unknown_vendor", response: { status: 404 } });
  });
});

describe("node:http adapter", () => {
  it("passes the socket address, ignores X-Forwarded-For unless trusted, and keeps a forged Host out of URLs", async () => {
    const seen: { sourceIp?: string; url: string }[] = [];
    const listen = async (trustProxy: boolean) => {
      const server = createServer(toNodeListener(async (request, context) => {
        seen.push({ url: request.url, ...(context?.sourceIp ? { sourceIp: context.sourceIp } : {}) });
        return new Response("ok");
      }, { trustProxy }));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return { server, port: (server.address() as AddressInfo).port };
    };
    const send = (port: number, headers: Record<string, string>) =>
      new Promise<void>((resolve, reject) => {
        import("node:http").then(({ request }) => request({ port, host: "127.0.0.1", path: "/healthz", headers }, (response) => response.resume().on("end", resolve)).on("error", reject).end());
      });
    const plain = await listen(false);
    await send(plain.port, { "x-forwarded-for": "203.0.113.9", host: "evil.test/path?x=" });
    const proxied = await listen(true);
    await send(proxied.port, { "x-forwarded-for": "198.51.100.1, 203.0.113.9" });
    plain.server.close();
    proxied.server.close();
    const [forgedHost, behindProxy] = seen.slice(-2);
    expect(forgedHost).toMatchObject({ sourceIp: "127.0.0.1" });
    expect(new URL(forgedHost!.url).host).toBe(`127.0.0.1:${plain.port}`);
    expect(behindProxy!.sourceIp).toBe("203.0.113.9");
  });
});

describe("serve helpers", () => {
  it("parses .env files simply and lets the real environment win", () => {
    expect(parseEnvFile('# comment\nexport A=1\nB="two words"\nC=three # note\nD=\'x#y\'\nnot a line\n')).toEqual({ A: "1", B: "two words", C: "three", D: "x#y" });
    const file = new URL("../fixtures/hooks/acme.yaml", import.meta.url).pathname; // any existing file that is not KEY=value
    expect(withEnvFile({ A: "real" }, file)).toMatchObject({ A: "real" });
  });

  it("lets nobody revoke without the admin token, loopback included, and never vouches for a start", async () => {
    const route = { name: "connection", vendor: "whoop", userId: "u" } as const;
    const request = (authorization?: string) => new Request(`${BASE}/x`, authorization ? { headers: { authorization } } : {});
    const unset = requireAdminToken(undefined);
    expect(await unset(request(), route, { sourceIp: "127.0.0.1" })).toBe(false);
    expect(await unset(request("Bearer "), route, { sourceIp: "::1" })).toBe(false);
    const admin = requireAdminToken("s3cret");
    expect(await admin(request(), route, { sourceIp: "127.0.0.1" })).toBe(false);
    expect(await admin(request("Bearer s3cret!"), route, { sourceIp: "127.0.0.1" })).toBe(false);
    expect(await admin(request("Bearer s3cret"), route, { sourceIp: "192.0.2.1" })).toBe(true);
    expect(await admin(request("Bearer s3cret"), { name: "oauth-start", vendor: "whoop", userId: "u" }, {})).toBe(false);
  });
});

describe("/readyz", () => {
  it("is 200 while the store and the queue answer; HEAD works; /healthz stays liveness only", async () => {
    const { handler } = await handlerWithLogs();
    const ready = await handler(new Request(`${BASE}/readyz`));
    expect(ready.status).toBe(200);
    expect(ready.headers.get("cache-control")).toBe("no-store");
    expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" } });
    expect((await handler(new Request(`${BASE}/readyz`, { method: "HEAD" }))).status).toBe(200);
    expect((await handler(new Request(`${BASE}/readyz`, { method: "POST" }))).status).toBe(405);
  });

  it("is 503 when a check fails or never answers, naming the check but not the error", async () => {
    const hanging = new Promise<void>(() => {});
    const { handler, logs } = await handlerWithLogs({ readinessTimeoutMs: 20 }, (backends) => ({
      ...backends,
      tokenStore: Object.assign(Object.create(backends.tokenStore) as typeof backends.tokenStore, {
        ping: async () => {
          throw new Error("connect ECONNREFUSED 10.1.2.3:8000 secret-token-xyz");
        },
      }),
      jobQueue: Object.assign(Object.create(backends.jobQueue) as typeof backends.jobQueue, { ping: () => hanging }),
    }));
    const response = await handler(new Request(`${BASE}/readyz`));
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: "unavailable", checks: { store: "unavailable", queue: "timeout" } });
    expect(text + JSON.stringify(logs)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|secret-token/);
    expect(logs.at(-1)).toMatchObject({ route: "/readyz", status: 503, outcome: "unavailable", errorCode: "backend_unavailable" });
  });
});
