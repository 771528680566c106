import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acquireCapacity } from "../../engine/api/rate-limit-gate.js";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import { MemoryRateLimiter } from "../../engine/backends/embedded/memory-rate-limiter.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import type { NormalizedEvent } from "../../engine/events.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { instruments } from "../../engine/metrics/instruments.js";
import { observeQueueDepth } from "../../engine/metrics/queue-depth.js";
import { encodeTokenSet } from "../../engine/oauth/token-set.js";
import { createJobProcessor, createWorker } from "../../engine/queue/index.js";
import type { JobFailure } from "../../engine/queue/job-failure.js";
import { silentLogger } from "../../engine/logging/logger.js";
import { testVendor } from "../fixtures/oauth/manifests.js";
import { signedWhoop, whoopEngine, whoopSample } from "../handlers/support.js";

// The engine records through @opentelemetry/api only; here the app's side registers the SDK with an in-memory exporter.
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });

beforeAll(() => {
  // Before the SDK: every instrument is a no-op and recording cannot fail.
  instruments().webhooks.add(1, { vendor: "before-sdk", outcome: "x" });
  metrics.setGlobalMeterProvider(provider);
});
afterAll(async () => {
  metrics.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

/** Collects now and returns the data points of one metric, as { attributes, value }. */
async function points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  exporter.reset();
  await reader.forceFlush();
  const found = exporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics)
    .filter((scope) => scope.scope.name === "@synheart/cloud-connector")
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
  return found.map((point) => ({ attributes: point.attributes as Record<string, unknown>, value: point.value }));
}

const valueOf = (list: { attributes: Record<string, unknown>; value: unknown }[], attributes: Record<string, unknown>) =>
  list.find((point) => JSON.stringify(point.attributes) === JSON.stringify(attributes))?.value;

it("counts webhooks by vendor and outcome; an unknown vendor id is counted as unknown", async () => {
  const handle = createFetchHandler(await whoopEngine(), { logger: () => {} });
  const post = async (path: string, headers: Record<string, string>, body: Uint8Array | string) =>
    handle(new Request(`http://connector.test${path}`, { method: "POST", headers, body }));
  expect((await post("/webhooks/whoop", await signedWhoop(), whoopSample())).status).toBe(200);
  expect((await post("/webhooks/whoop", { ...(await signedWhoop()), "x-whoop-signature": "AAAA" }, whoopSample())).status).toBe(401);
  expect((await post("/webhooks/attacker-chosen-name", { "content-type": "application/json" }, "{}")).status).toBe(404);

  const counted = await points("synheart.webhooks");
  expect(counted.every((point) => point.attributes.vendor !== "before-sdk")).toBe(true);
  expect(counted.map((point) => point.attributes.vendor).sort()).toEqual(["unknown", "whoop", "whoop"]);
  const accepted = counted.find((point) => point.attributes.vendor === "whoop" && point.attributes.error_code === undefined);
  expect(accepted?.value).toBe(1);
  expect(valueOf(counted, { vendor: "whoop", outcome: "rejected", error_code: "invalid_signature" })).toBe(1);
  expect(counted.find((point) => point.attributes.vendor === "unknown")?.attributes).toMatchObject({ error_code: "unknown_vendor" });
});

function pushEvent(userId: string, vendor = "whoop"): NormalizedEvent {
  return { id: `e-${userId}-${Math.random()}`, vendor, type: "sleep.deleted", userId, resourceId: "r", occurredAt: "2026-11-01T00:00:00Z", delivery: "push", authenticity: "verified", data: {} };
}

it("counts jobs by outcome, and a dead-lettered job once more as dead_lettered", async () => {
  const engine = await whoopEngine();
  const sealedTokens = await engine.backends.encryptor.seal(encodeTokenSet({ accessToken: "a", refreshToken: "r", tokenType: "Bearer", scopes: [], raw: {}, obtainedAt: 0 }), { vendor: "whoop", userId: "u1" });
  await engine.backends.tokenStore.put({ vendor: "whoop", userId: "u1", vendorUserId: "v1", status: "active", sealedTokens, updatedAt: 0 }, null);
  let failing = false;
  const process = createJobProcessor(engine, async () => {
    if (failing) throw new Error("sink down");
  });
  await process({ event: pushEvent("v1"), enqueuedAt: 0 });
  await process({ event: pushEvent("nobody"), enqueuedAt: 0 });

  // The worker on a queue that dead-letters after one delivery: its failure report says so.
  failing = true;
  const queue = new MemoryJobQueue({ maxReceives: 1 });
  const failures: JobFailure[] = [];
  const reported = new Promise<void>((resolve) => {
    const worker = createWorker({
      queue,
      process,
      waitMs: 50,
      logger: silentLogger,
      onError: (failure) => {
        failures.push(failure);
        void worker.stop().then(resolve);
      },
    });
    worker.start();
  });
  await queue.enqueue([pushEvent("v1")]);
  await reported;
  expect(failures[0]).toMatchObject({ vendor: "whoop", receiveCount: 1, deadLettered: true });

  const counted = await points("synheart.jobs");
  expect(valueOf(counted, { vendor: "whoop", outcome: "delivered" })).toBe(1);
  expect(valueOf(counted, { vendor: "whoop", outcome: "skipped:not_connected" })).toBe(1);
  expect(valueOf(counted, { vendor: "whoop", outcome: "failed" })).toBe(1);
  expect(valueOf(counted, { vendor: "whoop", outcome: "dead_lettered" })).toBe(1);
});

it("counts rate-limit waits and records how long they were", async () => {
  // The limiter's clock stands still until the second take has been refused (take reads it before its first await),
  // then moves a period on: exactly one wait, however slow the machine.
  let now = 1_000_000;
  const clock = () => now;
  const limiter = new MemoryRateLimiter({ clock });
  const buckets = [{ key: "ratelimit:acme:app", windows: [{ limit: 1, periodSeconds: 0.05 }] }];
  await acquireCapacity(limiter, buckets, clock, { deadline: now + 5_000 }, "acme");
  const second = acquireCapacity(limiter, buckets, clock, { deadline: now + 5_000 }, "acme");
  now += 50;
  await second;
  expect(valueOf(await points("synheart.rate_limit.waits"), { vendor: "acme" })).toBe(1);
  const duration = (await points("synheart.rate_limit.wait_duration"))[0]?.value as Histogram | undefined;
  expect(duration?.count).toBe(1);
  expect(duration?.sum).toBeGreaterThan(0);
});

it("reports the queue depth by state at each collection, and stops when asked", async () => {
  const queue = new MemoryJobQueue({ maxReceives: 1 });
  const stop = observeQueueDepth(queue);
  await queue.enqueue([pushEvent("a"), pushEvent("b"), pushEvent("c")]);
  const [received] = await queue.receive({ maxJobs: 1 });
  expect(received).toBeDefined();
  const depth = await points("synheart.queue.depth");
  expect(valueOf(depth, { state: "visible" })).toBe(2);
  expect(valueOf(depth, { state: "in_flight" })).toBe(1);
  expect(valueOf(depth, { state: "dead_lettered" })).toBe(0);
  stop();
});

it("counts the SQLite queue's depth in the database, dead letters included", async () => {
  const directory = makeTempDirectory("synheart-depth-");
  const backends = createEmbeddedBackends({ directory: directory.path, env: {}, maxReceives: 1 });
  try {
    await backends.jobQueue.enqueue([pushEvent("a"), pushEvent("b"), pushEvent("c")]);
    const [first] = await backends.jobQueue.receive({ maxJobs: 1 });
    await backends.jobQueue.release(first!.receipt);
    await backends.jobQueue.receive({ maxJobs: 3 }); // delivers the other 2, dead-letters the released one (1 receive allowed)
    expect(await backends.jobQueue.queueDepth()).toEqual({ visible: 0, inFlight: 2, deadLettered: 1 });
  } finally {
    await backends.close();
    directory.remove();
  }
});

describe("token refreshes", () => {
  let server: Server;
  let base: string;
  let answer: "rotate" | "invalid_grant" = "rotate";
  beforeAll(async () => {
    let generation = 1;
    server = createServer((request, response) => {
      request.resume().on("end", () => {
        response.writeHead(answer === "rotate" ? 200 : 400, { "content-type": "application/json" });
        generation += 1;
        response.end(JSON.stringify(answer === "rotate" ? { access_token: `at-${generation}`, refresh_token: `rt-${generation}`, token_type: "Bearer", expires_in: 3600 } : { error: "invalid_grant" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it("counts refreshes by outcome, through the engine's own ports", async () => {
    const vendor = testVendor({
      id: "refreshing",
      displayName: "Refreshing",
      oauth: { authorizeUrl: `${base}/authorize`, tokenUrl: `${base}/token`, clientAuth: "client_secret_post", pkce: false, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
      api: { baseUrl: base },
    });
    const engine = createConnectorEngine({ vendors: [vendor], backends: createMemoryBackends(), credentials: { refreshing: { clientId: "c", clientSecret: "s", settings: {} } } });
    for (const userId of ["u1", "u2"]) {
      const expired = { accessToken: "at-1", refreshToken: "rt-1", tokenType: "Bearer", expiresAt: Date.now() - 1000, scopes: [], raw: {}, obtainedAt: 0 };
      const sealedTokens = await engine.backends.encryptor.seal(encodeTokenSet(expired), { vendor: "refreshing", userId });
      await engine.backends.tokenStore.put({ vendor: "refreshing", userId, status: "active", sealedTokens, updatedAt: 0 }, null);
    }
    await engine.vendor("refreshing").refreshIfNeeded("u1");
    answer = "invalid_grant";
    await expect(engine.vendor("refreshing").refreshIfNeeded("u2")).rejects.toMatchObject({ code: "reauthorization_required" });
    const counted = await points("synheart.token.refreshes");
    expect(valueOf(counted, { vendor: "refreshing", outcome: "refreshed" })).toBe(1);
    expect(valueOf(counted, { vendor: "refreshing", outcome: "reauthorization_required" })).toBe(1);
  });
});
