// The connector embedded in Hono (app.mount with a prefix), Express (app.use with a path, before and after
// express.json()), Fastify (a plugin under a prefix) and plain node:http, each over real HTTP on 127.0.0.1: a signed
// webhook is verified from the raw bytes and enqueued, OAuth start builds the redirect URI under the mount path, and
// the client address is taken the same way everywhere (socket peer; X-Forwarded-For only with trustProxy).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve as honoServe } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { mount } from "hono/mount";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler, type FetchHandler } from "../../engine/handlers/fetch-handler.js";
import { fastifyConnector, honoMountOptions, keepRawBody, toNodeListener } from "../../engine/handlers/index.js";
import type { RequestLogEntry } from "../../engine/handlers/request-log.js";
import type { Backends } from "../../engine/ports/backends.js";
import { signedWhoop, whoopEngine, whoopSample } from "./support.js";

interface Running {
  readonly origin: string;
  close(): Promise<void>;
}

type Start = (handler: FetchHandler, options: { trustProxy: boolean; logger: (entry: RequestLogEntry) => void }) => Promise<Running>;

function listening(server: Server): Promise<Running> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))) });
    }),
  );
}

const frameworks: Record<string, Start> = {
  "node:http": async (handler, options) => listening(createServer(toNodeListener(handler, options))),
  "Hono app.mount": async (handler, options) => {
    const app = new Hono();
    app.get("/", (c) => c.text("app"));
    app.mount("/connector", handler, honoMountOptions(options));
    return new Promise((resolve) => {
      const server = honoServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(() => done())) }),
      );
    });
  },
  "Hono mount() helper on app.all": async (handler, options) => {
    const app = new Hono();
    app.all("/connector/*", mount(handler, honoMountOptions(options)));
    return new Promise((resolve) => {
      const server = honoServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(() => done())) }),
      );
    });
  },
  "Express app.use, before express.json()": async (handler, options) => {
    const app = express();
    app.use("/connector", toNodeListener(handler, options));
    app.use(express.json());
    return listening(createServer(app));
  },
  "Express app.use, after express.json({ verify: keepRawBody })": async (handler, options) => {
    const app = express();
    app.use(express.json({ verify: keepRawBody }));
    app.use("/connector", toNodeListener(handler, options));
    return listening(createServer(app));
  },
  "Express app.use with express.raw() in front": async (handler, options) => {
    const app = express();
    app.use("/connector", express.raw({ type: "*/*" }), toNodeListener(handler, options));
    return listening(createServer(app));
  },
  "Fastify plugin under a prefix": async (handler, options) => {
    const app = Fastify();
    app.post("/echo", async (request) => request.body); // the app's own JSON parsing is untouched
    await app.register(fastifyConnector(handler, options), { prefix: "/connector" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
};

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** The connector under /connector, recording the context each request arrives with. */
async function connector(): Promise<{ engine: ConnectorEngine & { backends: Backends }; handler: FetchHandler; seen: (string | undefined)[]; logs: RequestLogEntry[] }> {
  const engine = await whoopEngine();
  const logs: RequestLogEntry[] = [];
  const handle = createFetchHandler(engine, { prefix: "/connector", authorize: () => true, logger: (entry) => logs.push(entry) }); // a start needs a link or a hook
  const seen: (string | undefined)[] = [];
  return { engine, logs, seen, handler: (request, context) => (seen.push(context?.sourceIp), handle(request, context)) };
}

describe.each(Object.entries(frameworks))("%s", (_name, start) => {
  it("verifies a signed webhook from the raw bytes and enqueues it; builds redirect URIs under the mount path", async () => {
    const { engine, handler, seen } = await connector();
    const server = (running = await start(handler, { trustProxy: false, logger: () => {} }));

    const delivered = await fetch(`${server.origin}/connector/webhooks/whoop`, { method: "POST", headers: { ...(await signedWhoop()), "x-forwarded-for": "198.51.100.7" }, body: whoopSample() });
    expect(delivered.status).toBe(200);
    const jobs = await engine.backends.jobQueue.receive({ maxJobs: 10 });
    expect(jobs.map((job) => job.job.event.vendor)).toEqual(["whoop"]);

    const tampered = await fetch(`${server.origin}/connector/webhooks/whoop`, { method: "POST", headers: await signedWhoop(), body: whoopSample().toString().replace("}", ', "x": 1}') });
    expect(tampered.status).toBe(401);

    const oauthStart = await fetch(`${server.origin}/connector/oauth/whoop/start?userId=user-1`, { redirect: "manual" });
    expect(oauthStart.status).toBe(302);
    const redirectUri = new URL(oauthStart.headers.get("location")!).searchParams.get("redirect_uri");
    expect(redirectUri).toBe(`${server.origin}/connector/oauth/whoop/callback`);

    expect((await fetch(`${server.origin}/connector/healthz`)).status).toBe(200);
    expect((await fetch(`${server.origin}/connector/readyz`)).status).toBe(200);
    // The socket's peer, not the forgeable header.
    expect(seen.length).toBeGreaterThan(0);
    for (const address of seen) expect(address?.replace(/^::ffff:/, "")).toBe("127.0.0.1");
  });

  it("takes the client address from X-Forwarded-For only with trustProxy (its last entry)", async () => {
    const { handler, seen } = await connector();
    const server = (running = await start(handler, { trustProxy: true, logger: () => {} }));
    await fetch(`${server.origin}/connector/healthz`, { headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.9" } });
    expect(seen).toEqual(["203.0.113.9"]);
  });
});

describe("a body another middleware consumed", () => {
  it("is a logged body_already_read error with a hint, not a bare 500 and not a guessed body", async () => {
    const { engine, handler } = await connector();
    const logs: RequestLogEntry[] = [];
    const app = express();
    app.use(express.json()); // reads the JSON body before the connector, keeping no bytes
    app.use("/connector", toNodeListener(handler, { logger: (entry) => logs.push(entry) }));
    const server = (running = await listening(createServer(app)));
    const response = await fetch(`${server.origin}/connector/webhooks/whoop`, { method: "POST", headers: await signedWhoop(), body: whoopSample() });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "body_already_read" });
    expect(logs).toEqual([expect.objectContaining({ status: 500, errorCode: "body_already_read", hint: expect.stringContaining("keepRawBody") })]);
    expect(await engine.backends.jobQueue.receive({ maxJobs: 10 })).toEqual([]);
  });

  it("a consumed web Request (Hono middleware that read c.req.json()) is the same logged error", async () => {
    const { handler, logs } = await connector();
    const app = new Hono();
    app.use("*", async (c, next) => {
      await c.req.json();
      await next();
    });
    app.mount("/connector", handler, honoMountOptions());
    const response = await app.request("/connector/webhooks/whoop", { method: "POST", headers: await signedWhoop(), body: whoopSample() });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "body_already_read" });
    expect(logs).toEqual([expect.objectContaining({ route: "/webhooks/:vendor", status: 500, errorCode: "body_already_read", hint: expect.stringContaining("another middleware") })]);
  });

  it("Fastify keeps its own parsers outside the connector's scope", async () => {
    const { handler } = await connector();
    const app = Fastify();
    app.post("/echo", async (request) => request.body);
    await app.register(fastifyConnector(handler), { prefix: "/connector" });
    const echoed = await app.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
    expect(echoed.json()).toEqual({ a: 1 });
    await app.close();
  });
});
