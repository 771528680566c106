import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/backends.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import type { NormalizedEvent } from "../../engine/events.js";
import { createSqsHandler, type SqsEvent, type SqsRecord, type SqsRecordReport } from "../../engine/handlers/lambda-sqs.js";
import { encodeJobMessage, type EventDelivery } from "../../engine/queue/index.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { fetchEvent, pushEvent } from "../queue/support/events.js";
import { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "../queue/support/test-vendor.js";
import { startVendorApi, type VendorApi } from "../queue/support/vendor-api.js";

const sample = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/sqs-events/${name}`, import.meta.url), "utf8")) as SqsEvent;
const STANDARD = sample("standard-queue.json");
const FIFO = sample("fifo-queue.json");

/** A record exactly as the AWS sample, carrying `event` as SqsJobQueue sends it. */
function recordFor(template: SqsRecord, event: NormalizedEvent, group?: string): SqsRecord {
  const body = encodeJobMessage({ event, enqueuedAt: Date.now() });
  return {
    ...template,
    messageId: randomUUID(),
    body,
    md5OfBody: createHash("md5").update(body).digest("hex"),
    attributes: { ...template.attributes, ...(group ? { MessageGroupId: group } : {}) },
  };
}

let api: VendorApi;
let engine: ConnectorEngine;
let delivered: EventDelivery[];
const failing = new Set<string>();

beforeAll(async () => {
  // The vendor accepts the sealed connection's token (storeSealedConnection seals "at-<userId>").
  api = await startVendorApi({ introspect: async (token) => ({ active: token === "at-our-user", sub: "vendor-user" }) });
  const backends = createMemoryBackends();
  engine = createConnectorEngine({
    vendors: [queueTestVendor({ issuer: "http://127.0.0.1:9", apiUrl: api.url })],
    backends,
    credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
  });
  await storeSealedConnection(backends, { vendor: QUEUE_VENDOR, userId: "our-user", vendorUserId: "vendor-user" });
});
afterAll(async () => {
  await engine?.close();
  await api?.close();
});
beforeEach(() => {
  delivered = [];
  failing.clear();
});

const sink = async (delivery: EventDelivery) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (failing.has(delivery.event.id)) throw new Error("sink refused");
  delivered.push(delivery);
};

describe("Lambda SQS handler: standard queue", () => {
  it("fails the AWS sample's records, whose bodies are not jobs (they go to the DLQ by the redrive policy)", async () => {
    const reports: SqsRecordReport[] = [];
    const handler = createSqsHandler(engine, sink, { onReport: (report) => reports.push(report) });
    expect(await handler(STANDARD)).toEqual({
      batchItemFailures: [{ itemIdentifier: "059f36b4-87a3-44ab-83d2-661975830a7d" }, { itemIdentifier: "2e1424d4-f796-459a-8184-9c92662be6da" }],
    });
    expect(reports.every((report) => "error" in report && report.processed)).toBe(true);
  });

  it("lists only the failing record; delivered, gone and skipped records succeed", async () => {
    const [template] = STANDARD.Records;
    const ping = fetchEvent("vendor-user", `${api.url}/v1/sleep/s-1`);
    const gone = fetchEvent("vendor-user", `${api.url}/v1/sleep/deleted`);
    const push = pushEvent("vendor-user", { score: 88 });
    const refused = pushEvent("vendor-user", { score: 12 });
    const stranger = pushEvent("someone-else");
    failing.add(refused.id);
    const records = [ping, gone, push, refused, stranger].map((event) => recordFor(template!, event));
    const reports: SqsRecordReport[] = [];
    const handler = createSqsHandler(engine, sink, { onReport: (report) => reports.push(report) });

    const response = await handler({ Records: records }, { awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[3]!.messageId }] });
    expect(delivered.map(({ event, data, userId }) => [event.id, data, userId])).toEqual(
      expect.arrayContaining([
        [ping.id, { id: "s-1", score: 87, owner: "vendor-user" }, "our-user"],
        [push.id, { score: 88 }, "our-user"],
      ]),
    );
    expect(delivered).toHaveLength(2);
    const outcomeOf = (record: SqsRecord) => reports.find((report) => report.messageId === record.messageId);
    expect(outcomeOf(records[1]!)).toMatchObject({ outcome: { status: "gone", httpStatus: 404 } });
    expect(outcomeOf(records[4]!)).toMatchObject({ outcome: { status: "skipped", reason: "not_connected" } });
    expect(outcomeOf(records[3]!)).toMatchObject({ processed: true, receiveCount: 1 });
  });

  it("processes records with bounded concurrency", async () => {
    const [template] = STANDARD.Records;
    const records = Array.from({ length: 20 }, () => recordFor(template!, pushEvent("vendor-user")));
    let inFlight = 0;
    let maxInFlight = 0;
    const handler = createSqsHandler(
      engine,
      async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight--;
      },
      { concurrency: 4 },
    );
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(maxInFlight).toBe(4);
  });
});

describe("Lambda SQS handler: FIFO queue", () => {
  function fifoBatch() {
    const [template] = FIFO.Records;
    const a = [pushEvent("vendor-user", { n: "a1" }), pushEvent("vendor-user", { n: "a2" }), pushEvent("vendor-user", { n: "a3" })];
    const b = [pushEvent("vendor-user", { n: "b1" }), pushEvent("vendor-user", { n: "b2" })];
    failing.add(a[1]!.id);
    // Interleaved as SQS may deliver them; order within each group is what matters.
    const records = [recordFor(template!, a[0]!, "A"), recordFor(template!, b[0]!, "B"), recordFor(template!, a[1]!, "A"), recordFor(template!, a[2]!, "A"), recordFor(template!, b[1]!, "B")];
    return { a, b, records };
  }
  const sunk = () => delivered.map((delivery) => (delivery.data as { n: string }).n).sort();

  it("stops a message group at its first failure and reports the rest of that group; other groups go on", async () => {
    const { records } = fifoBatch();
    const reports: SqsRecordReport[] = [];
    const response = await createSqsHandler(engine, sink, { onReport: (report) => reports.push(report) })({ Records: records });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.messageId }, { itemIdentifier: records[3]!.messageId }]);
    expect(sunk()).toEqual(["a1", "b1", "b2"]); // a3 was never attempted
    expect(reports.find((report) => report.messageId === records[3]!.messageId)).toMatchObject({ processed: false });
  });

  it("with fifoFailureScope 'batch', reports every record not yet started after the first failure", async () => {
    const { records } = fifoBatch();
    const response = await createSqsHandler(engine, sink, { concurrency: 1, fifoFailureScope: "batch" })({ Records: records });
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.slice(1).map((record) => record.messageId));
    expect(sunk()).toEqual(["a1"]);
  });

  it("the AWS FIFO sample record (not a job) fails on its own", async () => {
    expect(await createSqsHandler(engine, sink)(FIFO)).toEqual({ batchItemFailures: [{ itemIdentifier: "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5" }] });
  });
});
