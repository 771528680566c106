// The node:http adapter answers webhook POSTs on a fast route (no web Request/Response) and everything else through
// the fetch handler. Both share one pipeline: every case here goes over real HTTP to both and must get the same
// status, body, log line and stored jobs.
import { createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler, plainWebhookRouteOf, type FetchHandler } from "../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import type { RequestLogEntry } from "../../engine/handlers/request-log.js";
import { signedWhoop, whoopEngine, whoopSample } from "./support.js";

interface Side {
  readonly engine: ConnectorEngine;
  readonly logs: RequestLogEntry[];
  readonly origin: string;
  readonly server: Server;
}

async function startSide(fast: boolean): Promise<Side> {
  const engine = await whoopEngine();
  const logs: RequestLogEntry[] = [];
  const handler = createFetchHandler(engine, { logger: (entry) => logs.push(entry), maxBodyBytes: 4096 });
  expect(plainWebhookRouteOf(handler)).toBeDefined();
  // A plain wrapper is any fetch handler: the adapter has no fast route for it and builds a Request.
  const listener = toNodeListener(fast ? handler : ((request, context) => handler(request, context)) satisfies FetchHandler);
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { engine, logs, server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Sent {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | undefined>;
}

function send(origin: string, path: string, method: string, headers: OutgoingHttpHeaders, chunks: readonly (string | Buffer)[]): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(parts).toString("utf8"),
          headers: { "content-type": res.headers["content-type"], "cache-control": res.headers["cache-control"], "retry-after": res.headers["retry-after"] },
        }),
      );
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const withoutTimes = (entries: readonly RequestLogEntry[]) => entries.map(({ time: _time, latencyMs: _latency, ...rest }) => rest);

describe("webhook POSTs: the node:http fast route and the fetch route answer alike", () => {
  let fast: Side;
  let viaFetch: Side;

  beforeAll(async () => {
    [fast, viaFetch] = await Promise.all([startSide(true), startSide(false)]);
  });
  afterAll(async () => {
    for (const side of [fast, viaFetch]) await new Promise((resolve) => side.server.close(resolve));
  });

  async function both(path: string, method: string, headers: OutgoingHttpHeaders, chunks: readonly (string | Buffer)[]): Promise<Sent> {
    fast.logs.length = 0;
    viaFetch.logs.length = 0;
    const [a, b] = [await send(fast.origin, path, method, headers, chunks), await send(viaFetch.origin, path, method, headers, chunks)];
    expect(a).toEqual(b);
    expect(withoutTimes(fast.logs)).toEqual(withoutTimes(viaFetch.logs));
    expect(fast.logs).toHaveLength(1);
    return a;
  }

  const jobsOf = async (side: Side) => (await side.engine.backends.jobQueue.receive({ maxJobs: 100 })).map((job) => job.job.event);

  it("a signed delivery is accepted and stored once; its replay is refused; both logged alike", async () => {
    const body = whoopSample();
    const headers = await signedWhoop(body);
    const accepted = await both("/webhooks/whoop", "POST", headers, [body]);
    expect(accepted.status).toBe(200);
    expect(JSON.parse(accepted.body)).toEqual({ status: "accepted", events: 1 });
    expect(accepted.headers["cache-control"]).toBe("no-store");
    expect(fast.logs[0]).toMatchObject({ route: "/webhooks/:vendor", method: "POST", vendor: "whoop", outcome: "accepted", status: 200, eventCount: 1 });
    expect((await both("/webhooks/whoop", "POST", headers, [body])).status).toBe(409);
    const [fastJobs, fetchJobs] = [await jobsOf(fast), await jobsOf(viaFetch)];
    expect(fastJobs).toHaveLength(1);
    expect(fastJobs).toEqual(fetchJobs);
  });

  it("a body sent in several chunks, and a query string, change nothing", async () => {
    const body = Buffer.from(whoopSample().toString("utf8").replace("}", ', "trace_id": "chunks" }'));
    const headers = await signedWhoop(body);
    const answer = await both("/webhooks/whoop?source=test", "POST", headers, [body.subarray(0, 10), body.subarray(10, 40), body.subarray(40)]);
    expect(answer.status).toBe(200);
  });

  it("refuses a bad signature, and a valid signature with a second one beside it", async () => {
    const body = whoopSample();
    const headers = await signedWhoop(body);
    expect((await both("/webhooks/whoop", "POST", { ...headers, "x-whoop-signature": "AAAA" }, [body])).status).toBe(401);
    const doubled = { ...headers, "x-whoop-signature": [headers["x-whoop-signature"]!, "AAAA"] };
    expect((await both("/webhooks/whoop", "POST", doubled, [body])).status).toBe(401);
  });

  it("answers 413 for a body over the cap, announced by Content-Length or streamed without one", async () => {
    const big = Buffer.alloc(5000, 0x20);
    const announced = await both("/webhooks/whoop", "POST", { "content-type": "application/json", "content-length": String(big.length) }, [big]);
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body)).toEqual({ error: "body_too_large" });
    const streamed = await both("/webhooks/whoop", "POST", { "content-type": "application/json", "transfer-encoding": "chunked" }, [big.subarray(0, 3000), big.subarray(3000)]);
    expect(streamed.status).toBe(413);
  });

  it("leaves unusual paths, unknown vendors and other methods to the fetch route", async () => {
    const body = whoopSample();
    const headers = await signedWhoop(body);
    expect((await both("/webhooks/acme", "POST", headers, [body])).status).toBe(404);
    expect((await both("/webhooks/../webhooks/whoop", "POST", headers, [body])).status).toBe(200);
    expect((await both("/webhooks/whoop", "PUT", headers, [body])).status).toBe(405);
  });
});
