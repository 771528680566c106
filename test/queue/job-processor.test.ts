import { eventOf } from "../contracts/support.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { createJobProcessor, processAvailableJobs, SinkError, type EventDelivery, type EventSink } from "../../engine/queue/index.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { CLIENTS, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { connectThroughAuthorizationServer, storeSealedConnection } from "./support/connections.js";
import { fetchEvent, pushEvent } from "./support/events.js";
import { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "./support/test-vendor.js";
import { startVendorApi, type VendorApi } from "./support/vendor-api.js";

const USER = "our-user-1";
const VENDOR_USER = "vendor-user-1";

let as: TestAuthorizationServer;
let api: VendorApi;
let directory: TempDirectory;
let backends: ReturnType<typeof createEmbeddedBackends>;
let engine: ConnectorEngine;
let delivered: EventDelivery[];
let sinkBehaviour: EventSink;

const sink: EventSink = async (delivery) => {
  await sinkBehaviour(delivery);
  delivered.push(delivery);
};
const process = () => createJobProcessor(engine, sink);
const drain = () => processAvailableJobs(backends.jobQueue, process(), { retry: { baseMs: 0 } });

beforeAll(async () => {
  as = await startAuthorizationServer();
  api = await startVendorApi({ introspect: (token) => as.introspect(token, CLIENTS.post) });
  directory = makeTempDirectory("synheart-queue-");
  backends = createEmbeddedBackends({ directory: directory.path, env: {}, maxReceives: 3 });
  engine = createConnectorEngine({
    vendors: [queueTestVendor({ issuer: as.issuer, apiUrl: api.url })],
    backends,
    credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
    tokenService: { api: { backoffBaseMs: 5, maxServerErrorRetries: 1 } },
  });
  const connected = await connectThroughAuthorizationServer(engine, QUEUE_VENDOR, (url) => as.authorize(url), USER, VENDOR_USER);
  expect(connected.vendorUserId).toBe(VENDOR_USER);
});
afterAll(async () => {
  await engine?.close();
  await api?.close();
  await as?.close();
  directory?.remove();
});
beforeEach(() => {
  delivered = [];
  sinkBehaviour = () => undefined;
  api.requests.length = 0;
});

async function expectQueueEmpty() {
  expect(await backends.jobQueue.receive({ waitMs: 0 })).toEqual([]);
}

describe("job processor: ping-style events", () => {
  it("fetches the resource through the vendor API client with the user's stored token and hands it to the sink", async () => {
    const event = fetchEvent(VENDOR_USER, `${api.url}/v1/sleep/s-1`);
    await engine.enqueueEvent(event);
    const result = await drain();
    expect(result).toMatchObject({ delivered: 1, failed: 0 });
    expect(delivered).toEqual([{ event, userId: USER, source: "webhook", data: { id: "s-1", score: 87, owner: VENDOR_USER }, authenticity: "verified", records: [] }]);
    const token = (await engine.vendor(QUEUE_VENDOR).getUserTokens(USER)).accessToken;
    expect(api.requests).toEqual([{ method: "GET", path: "/v1/sleep/s-1", authorization: `Bearer ${token}`, status: 200 }]);
    await expectQueueEmpty();
  });

  it("refreshes a token the vendor refuses (401), retries with the new one and completes the job", async () => {
    const before = await engine.vendor(QUEUE_VENDOR).getUserTokens(USER);
    api.refusedTokens.add(before.accessToken);
    const refreshes = as.counts.refresh_token;
    await engine.enqueueEvent(fetchEvent(VENDOR_USER, `${api.url}/v1/sleep/s-2`));
    expect(await drain()).toMatchObject({ delivered: 1, failed: 0 });
    const after = await engine.vendor(QUEUE_VENDOR).getUserTokens(USER);
    expect(as.counts.refresh_token).toBe(refreshes + 1);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(api.requests.map((request) => [request.status, request.authorization])).toEqual([
      [401, `Bearer ${before.accessToken}`],
      [200, `Bearer ${after.accessToken}`],
    ]);
    expect(delivered[0]?.data).toMatchObject({ id: "s-2" });
  });

  it("a user who revoked access at the vendor is skipped as reauthorization_required, not retried", async () => {
    const connected = await connectThroughAuthorizationServer(engine, QUEUE_VENDOR, (url) => as.authorize(url), "our-user-3", "vendor-user-3");
    // oidc-provider revokes the whole grant with the access token, so the refresh is refused too.
    expect(await as.revoke(connected.tokens.accessToken, CLIENTS.post)).toBe(200);
    await engine.enqueueEvent(fetchEvent("vendor-user-3", `${api.url}/v1/sleep/s-6`));
    const result = await drain();
    expect(result.reports).toHaveLength(1);
    expect(result.reports[0]).toMatchObject({ result: "completed", outcome: { status: "skipped", reason: "reauthorization_required", userId: "our-user-3" } });
    expect(await engine.vendor(QUEUE_VENDOR).connectionStatus("our-user-3")).toMatchObject({ status: "reauthorization_required" });
    expect(delivered).toEqual([]);
    await expectQueueEmpty();
  });

  it.each([
    ["deleted", 404],
    ["purged", 410],
  ])("treats %s (%i, one of goneStatuses) as a final outcome: acknowledged, sink not called", async (id, status) => {
    await engine.enqueueEvent(fetchEvent(VENDOR_USER, `${api.url}/v1/sleep/${id}`));
    const result = await drain();
    expect(result).toMatchObject({ gone: 1, failed: 0 });
    expect(result.reports[0]).toMatchObject({ result: "completed", outcome: { status: "gone", httpStatus: status, userId: USER } });
    expect(delivered).toEqual([]);
    expect(api.requests).toHaveLength(1);
    await expectQueueEmpty();
  });

  it("a status outside goneStatuses is a retryable vendor_api_error", async () => {
    await engine.enqueueEvent(fetchEvent(VENDOR_USER, `${api.url}/v1/sleep/deleted`, [410]));
    const result = await processAvailableJobs(backends.jobQueue, process(), { maxJobs: 1, retry: { baseMs: 0 } });
    expect(result.reports[0]).toMatchObject({ result: "failed" });
    const error = result.reports[0]?.result === "failed" ? result.reports[0].error : undefined;
    expect(isConnectorError(error, "vendor_api_error")).toBe(true);
    await drain(); // to the dead letters
  });

  it("a vendor 5xx is retried by the client, then fails the job (released, not acknowledged)", async () => {
    const event = fetchEvent(VENDOR_USER, `${api.url}/v1/sleep/broken`);
    await engine.enqueueEvent(event);
    const result = await processAvailableJobs(backends.jobQueue, process(), { maxJobs: 1, retry: { baseMs: 60_000 } });
    expect(api.requests.map((request) => request.status)).toEqual([500, 500]); // maxServerErrorRetries: 1
    expect(result.reports[0]).toMatchObject({ result: "failed", received: { receiveCount: 1 } });
    const retryInMs = result.reports[0]?.result === "failed" ? result.reports[0].retryInMs : 0;
    expect(retryInMs).toBeGreaterThanOrEqual(30_000);
    await expectQueueEmpty(); // invisible until the retry delay has passed
  });

  it("refuses a fetch URL outside the vendor's API hosts without sending the token anywhere", async () => {
    const event = fetchEvent(VENDOR_USER, `${as.issuer}/v1/sleep/s-3`);
    const error = await process()({ event, enqueuedAt: Date.now() }).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "fetch_not_allowed")).toBe(true);
    expect(api.requests).toEqual([]);
  });
});

describe("job processor: push-style events and users", () => {
  it("delivers a push event from its payload without calling the vendor", async () => {
    const event = pushEvent(VENDOR_USER, { score: 93 });
    await engine.enqueueEvent(event);
    expect(await drain()).toMatchObject({ delivered: 1 });
    expect(delivered).toEqual([{ event, data: { score: 93 }, userId: USER, source: "webhook", authenticity: "verified", records: [] }]);
    expect(api.requests).toEqual([]);
    await expectQueueEmpty();
  });

  it("skips (and acknowledges) an event for a vendor user we have no connection for", async () => {
    await engine.enqueueEvent([pushEvent("stranger"), fetchEvent("stranger", `${api.url}/v1/sleep/s-4`)]);
    const result = await drain();
    expect(result).toMatchObject({ skipped: 2, failed: 0 });
    expect(result.reports.map((report) => report.result === "completed" && report.outcome)).toEqual([
      { status: "skipped", reason: "not_connected" },
      { status: "skipped", reason: "not_connected" },
    ]);
    expect(delivered).toEqual([]);
    expect(api.requests).toEqual([]);
    await expectQueueEmpty();
  });

  it("skips an event for a connection that needs re-authorization", async () => {
    await storeSealedConnection(backends, { vendor: QUEUE_VENDOR, userId: "our-user-2", vendorUserId: "vendor-user-2", status: "reauthorization_required" });
    await engine.enqueueEvent(fetchEvent("vendor-user-2", `${api.url}/v1/sleep/s-5`));
    const result = await drain();
    expect(result.reports[0]).toMatchObject({ result: "completed", outcome: { status: "skipped", reason: "reauthorization_required", userId: "our-user-2" } });
    expect(api.requests).toEqual([]);
  });

  it("a failing sink fails the job: released, redelivered, and dead-lettered after maxReceives (SQLite queue)", async () => {
    const event = pushEvent(VENDOR_USER, { score: 50 });
    let calls = 0;
    sinkBehaviour = () => {
      calls += 1;
      throw new Error("warehouse unavailable");
    };
    await engine.enqueueEvent(event);
    const result = await drain();
    expect(calls).toBe(3);
    expect(result.failed).toBe(3);
    expect(result.reports.map((report) => report.received.receiveCount)).toEqual([1, 2, 3]);
    const failure = result.reports[0];
    expect(failure?.result === "failed" && failure.error).toBeInstanceOf(SinkError);
    expect((await backends.jobQueue.listDeadLetters()).map((dead) => (dead.job ? eventOf(dead.job).id : undefined))).toContain(event.id);
    await expectQueueEmpty();
  });

  it("a sink that fails once gets the job again and completes it", async () => {
    let calls = 0;
    sinkBehaviour = () => {
      calls += 1;
      if (calls === 1) throw new Error("transient");
    };
    const event = pushEvent(VENDOR_USER);
    await engine.enqueueEvent(event);
    const result = await drain();
    expect(result.reports.map((report) => [report.result, report.received.receiveCount])).toEqual([
      ["failed", 1],
      ["completed", 2],
    ]);
    expect(delivered.map((delivery) => delivery.event.id)).toEqual([event.id]);
  });

  it("a job for a vendor this engine does not serve fails (retryable configuration error)", async () => {
    const error = await process()({ event: pushEvent(VENDOR_USER, {}, "unknown-vendor"), enqueuedAt: 0 }).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "unknown_vendor")).toBe(true);
  });
});
