import { createHash } from "node:crypto";
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { defineVendor } from "../../engine/manifest/loader.js";
import type { VendorManifest } from "../../engine/manifest/manifest.generated.js";
import { createJobProcessor, type EventDelivery } from "../../engine/queue/index.js";
import { RECORD_TYPES, RecordMapper, recordId, recordsOfStream } from "../../engine/records/index.js";
import { storeSealedConnection } from "../queue/support/connections.js";

const SLEEP_MAP = `{
  "type": "sleep_session",
  "vendorRecordId": id,
  "effectiveTimeFrame": { "startDateTime": $utc(start), "endDateTime": $utc(end), "utcOffset": $offsetOf(start) },
  "stages": stages.{ "stage": name, "duration": $quantity($convert(minutes, "min", "s"), "s") },
  "device": device
}`;

function vendorWith(records: VendorManifest["records"]) {
  return defineVendor({
    id: "acme",
    displayName: "Acme",
    oauth: { authorizeUrl: "https://acme.test/auth", tokenUrl: "https://acme.test/token", clientAuth: "client_secret_post", pkce: false, refreshToken: "rotating", scopes: [], userId: { from: "tokenResponse", field: "user" } },
    api: { baseUrl: "https://api.acme.test" },
    webhooks: {
      body: "json",
      signature: { scheme: "none", trust: { header: { name: "x-acme", equals: "{clientId}" } } },
      events: {
        discriminator: "kind",
        mappings: [
          { type: "sleep.updated", on: ["sleep"], map: '{ "userId": user, "data": sleep }', delivery: "push" },
          { type: "sleep.deleted", on: ["sleep-deleted"], map: '{ "userId": user, "data": sleep }', delivery: "push" },
          { type: "bad.deleted", on: ["bad-deleted"], map: '{ "userId": user, "data": sleep }', delivery: "push" },
        ],
      },
    },
    records,
  });
}

const SLEEP = {
  id: 7,
  start: "2026-05-24T23:00:00+02:00",
  end: "2026-05-25T07:00:00+02:00",
  stages: [
    { name: "light", minutes: 240 },
    { name: "deep", minutes: 90.5 },
  ],
  device: { name: "Acme Ring 2" },
};
const CONTEXT = { vendorUserId: "u-1", fetchedAt: "2026-05-25T08:00:00.000Z" };

describe("deletion markers", () => {
  const mapper = new RecordMapper(
    vendorWith([
      { events: ["sleep.updated"], map: SLEEP_MAP },
      { events: ["sleep.deleted"], map: '{ "type": "deletion", "recordType": "sleep_session", "vendorRecordId": id }' },
      { events: ["bad.deleted"], map: '{ "type": "deletion", "recordType": kind, "vendorRecordId": id }' },
    ]).manifest,
  );

  it("carry the id of the record the same vendor record gave, so downstream can remove it", async () => {
    const [record] = await mapper.map({ event: "sleep.updated" }, SLEEP, CONTEXT);
    const [marker] = await mapper.map({ event: "sleep.deleted" }, { id: 7 }, CONTEXT);
    expect(marker).toEqual({
      id: record!.id,
      type: "deletion",
      recordType: "sleep_session",
      provenance: { vendor: "acme", vendorRecordId: "7", vendorUserId: "u-1", fetchedAt: CONTEXT.fetchedAt },
    });
  });

  it("must name a record type other than deletion", async () => {
    for (const kind of ["deletion", "nap", undefined]) {
      const error = await mapper.map({ event: "bad.deleted" }, { id: 7, kind }, CONTEXT).catch((caught: unknown) => caught);
      expect(isConnectorError(error, "record_invalid"), String(kind)).toBe(true);
      expect(error).toMatchObject({ details: { path: "/recordType" } });
    }
  });
});

describe("record mapper", () => {
  it("adds the deterministic id and the provenance, converts units and keeps the user's offset beside UTC instants", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: SLEEP_MAP }]).manifest);
    const [record] = await mapper.map({ event: "sleep.updated" }, SLEEP, CONTEXT);
    expect(record).toEqual({
      id: recordId("acme", "u-1", "sleep_session", "7"),
      type: "sleep_session",
      provenance: { vendor: "acme", vendorRecordId: "7", vendorUserId: "u-1", device: { name: "Acme Ring 2" }, fetchedAt: "2026-05-25T08:00:00.000Z" },
      effectiveTimeFrame: { startDateTime: "2026-05-24T21:00:00.000Z", endDateTime: "2026-05-25T05:00:00.000Z", utcOffset: "+02:00" },
      stages: [
        { stage: "light", duration: { value: 14400, unit: "s" } },
        { stage: "deep", duration: { value: 5430, unit: "s" } },
      ],
    });
    expect(record!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives one vendor record the same id every time, and different users or records different ids", () => {
    expect(recordId("acme", "u-1", "sleep_session", "7")).toBe(recordId("acme", "u-1", "sleep_session", "7"));
    const others = [recordId("acme", "u-2", "sleep_session", "7"), recordId("acme", "u-1", "workout", "7"), recordId("acme", "u-1", "sleep_session", "8"), recordId("other", "u-1", "sleep_session", "7")];
    expect(new Set([recordId("acme", "u-1", "sleep_session", "7"), ...others]).size).toBe(5);
  });

  it("keeps the ids it has given: records are idempotent across versions (pinned values, never to be changed)", () => {
    expect(recordId("whoop", "10129", "sleep_session", "ecfc6a15-4661-442f-a9a4-f160dd7afae8")).toBe("01f1e139-ff8c-8cf1-9ddb-b00ceee00cd7");
    expect(recordId("oura", undefined, "vendor_score", "8f9a5221-639e-4a39-a2a5-6c6a1d4b4e5c/readiness")).toBe("7ba20dbd-0672-827b-a5e7-b5f55a52142f");
    expect(recordId("garmin", "4aacafe82427c251df9c9592d0c06768", "skin_temperature", "x473db21-skin-6310a3c0")).toBe("9d4412a8-5cb3-83e2-a92d-e89e059e6672");
    expect(recordId("withings", "12345", "body_measurement", "1234567")).toBe("98be5e89-48cb-8fae-913b-f6551a7db074");
    expect(recordId("polar", "ü-ser😀", "heart_rate", "2026-05-24")).toBe("7ba789f9-240f-8dfc-91a8-24cc6e650798");
  });

  it("makes every id as its definition says: UUID version 8 from SHA-256 of the NUL-joined parts, variant bits 10", () => {
    const byDefinition = (vendor: string, user: string | undefined, type: string, vendorRecordId: string) => {
      const hex = createHash("sha256").update(Buffer.from([vendor, user ?? "", type, vendorRecordId].join("\0"), "utf8")).digest("hex");
      const variant = ((Number.parseInt(hex[16]!, 16) & 0b0011) | 0b1000).toString(16);
      return [hex.slice(0, 8), hex.slice(8, 12), `8${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`, hex.slice(20, 32)].join("-");
    };
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/), fc.option(fc.string({ unit: "binary" }), { nil: undefined }), fc.constantFrom(...RECORD_TYPES), fc.string({ unit: "binary", minLength: 1 }), (vendor, user, type, vendorRecordId) => {
        const id = recordId(vendor, user, type, vendorRecordId);
        expect(id).toBe(byDefinition(vendor, user, type, vendorRecordId));
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses an interval that ends before it starts, to the millisecond, whatever the fractions' lengths", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: '{ "type": "sleep_session", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": start, "endDateTime": end }, "stages": [] }' }]).manifest);
    const pad = (n: number) => String(n).padStart(2, "0");
    const instant = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom("", ".5", ".50", ".500", ".501", ".5009", ".5001", ".123456789", ".999"))
      .map(([minute, second, fraction]) => `2026-05-24T23:${pad(minute)}:${pad(second)}${fraction}Z`);
    const examples: [string, string][] = [
      ["2026-05-24T23:00:00.5009Z", "2026-05-24T23:00:00.5001Z"],
      ["2026-05-24T23:00:00.501Z", "2026-05-24T23:00:00.500Z"],
      ["2026-05-24T23:00:00.5Z", "2026-05-24T23:00:00.499999Z"],
    ];
    await fc.assert(
      fc.asyncProperty(instant, instant, async (start, end) => {
        const outcome = await mapper.map({ event: "sleep.updated" }, { id: 7, start, end }, CONTEXT).then(
          () => "mapped",
          (error: unknown) => (isConnectorError(error, "record_invalid") ? error.details?.path : "other"),
        );
        expect(outcome).toBe(Date.parse(end) < Date.parse(start) ? "/effectiveTimeFrame/endDateTime" : "mapped");
      }),
      { numRuns: 1000, examples },
    );
  });

  it("refuses a record that misses a required field: record_invalid with the vendor, the record id and the JSON path", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: '{ "type": "sleep_session", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": $utc(start) }, "stages": [] }' }]).manifest);
    const error = await mapper.map({ event: "sleep.updated" }, SLEEP, CONTEXT).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "record_invalid")).toBe(true);
    const id = recordId("acme", "u-1", "sleep_session", "7");
    expect(error).toMatchObject({ vendor: "acme", details: { recordId: id, recordType: "sleep_session", path: "/effectiveTimeFrame/endDateTime", mapping: "/records/0" } });
    expect((error as Error).message).toContain(id);
  });

  it.each([
    ["a wrong unit", '{ "type": "workout", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": $utc(start), "endDateTime": $utc(end) }, "activityName": "run", "distance": { "value": 5, "unit": "km" } }', "/distance/unit"],
    ["a local time where UTC is required", '{ "type": "workout", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": start, "endDateTime": end }, "activityName": "run" }', "/effectiveTimeFrame/startDateTime"],
    ["a field the type does not have", '{ "type": "resting_heart_rate", "vendorRecordId": id, "effectiveTimeFrame": { "dateTime": $utc(start) }, "heartRate": $quantity(52, "{beats}/min"), "mood": "good" }', "/mood"],
    ["no vendor record id", '{ "type": "resting_heart_rate", "effectiveTimeFrame": { "dateTime": $utc(start) }, "heartRate": $quantity(52, "{beats}/min") }', "/provenance/vendorRecordId"],
    ["an interval that ends before it starts", '{ "type": "workout", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": $utc(end), "endDateTime": $utc(start) }, "activityName": "run" }', "/effectiveTimeFrame/endDateTime"],
    ["a negative duration", '{ "type": "workout", "vendorRecordId": id, "effectiveTimeFrame": { "startDateTime": $utc(start), "endDateTime": $utc(end) }, "activityName": "run", "duration": $quantity(-5, "s") }', "/duration/value"],
    ["an unknown record type", '{ "type": "mood", "vendorRecordId": id }', "/type"],
    ["two records with one id", '[1, 2].{ "type": "resting_heart_rate", "vendorRecordId": "same", "effectiveTimeFrame": { "dateTime": "2026-05-25T05:00:00Z" }, "heartRate": $quantity(52, "{beats}/min") }', "/provenance/vendorRecordId"],
    ["a deletion marker beside the record it removes", '[{ "type": "resting_heart_rate", "vendorRecordId": "same", "effectiveTimeFrame": { "dateTime": "2026-05-25T05:00:00Z" }, "heartRate": $quantity(52, "{beats}/min") }, { "type": "deletion", "recordType": "resting_heart_rate", "vendorRecordId": "same" }]', "/provenance/vendorRecordId"],
    ["two records with one id among forty", '[1..40].{ "type": "resting_heart_rate", "vendorRecordId": $ = 40 ? "1" : $string($), "effectiveTimeFrame": { "dateTime": "2026-05-25T05:00:00Z" }, "heartRate": $quantity(52, "{beats}/min") }', "/provenance/vendorRecordId"],
  ])("refuses %s", async (_name, map, path) => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map }]).manifest);
    const error = await mapper.map({ event: "sleep.updated" }, SLEEP, CONTEXT).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "record_invalid")).toBe(true);
    expect((error as { details: { path: string } }).details.path).toBe(path);
  });

  it("names neither the payload's values nor its secrets in the error", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: '{ "type": "resting_heart_rate", "vendorRecordId": id, "effectiveTimeFrame": { "dateTime": $utc(start) }, "heartRate": $quantity(bpm, "{beats}/min") }' }]).manifest);
    const error = await mapper.map({ event: "sleep.updated" }, { id: 1, start: "2026-05-25T05:00:00Z", bpm: 987.654, token: "secret-token-123" }, CONTEXT).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "record_invalid")).toBe(true);
    const shown = inspect(error, { depth: Infinity });
    expect(shown).not.toContain("987.654");
    expect(shown).not.toContain("secret-token-123");
  });

  it("turns a failing helper into mapping_failed with the vendor, without the value", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: '{ "type": "workout", "vendorRecordId": id, "x": $convert(weight, "kg", "min") }' }]).manifest);
    const error = await mapper.map({ event: "sleep.updated" }, { id: 1, weight: 81.25 }, CONTEXT).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "mapping_failed")).toBe(true);
    expect(error).toMatchObject({ vendor: "acme" });
    expect(inspect(error, { depth: Infinity })).not.toContain("81.25");
  });

  it("names a JSONata error by code, not by the value it could not read", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: '{ "type": "workout", "vendorRecordId": id, "x": $toMillis(when) }' }]).manifest);
    const error = await mapper.map({ event: "sleep.updated" }, { id: 1, when: "private-diary-entry-42" }, CONTEXT).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "mapping_failed")).toBe(true);
    expect((error as Error).message).toMatch(/JSONata error D3110/);
    expect(inspect(error, { depth: Infinity })).not.toContain("private-diary-entry-42");
  });

  it("gives no records for a source no mapping takes, and nothing for an empty result", async () => {
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map: "records" }]).manifest);
    expect(await mapper.map({ event: "other.updated" }, SLEEP, CONTEXT)).toEqual([]);
    expect(await mapper.map({ stream: "sleep" }, SLEEP, CONTEXT)).toEqual([]);
    expect(await mapper.map({ event: "sleep.updated" }, SLEEP, CONTEXT)).toEqual([]);
  });

  it("evaluates what the compiled form does not cover with JSONata, with the same helpers and $event", async () => {
    const map = `$map(stages, function($s, $i) {
      { "type": "resting_heart_rate", "vendorRecordId": $uppercase($s.name) & "-" & $i & "-" & $event.type, "effectiveTimeFrame": { "dateTime": $utc($$.start) }, "heartRate": $quantity($s.minutes, "{beats}/min") }
    })`;
    const mapper = new RecordMapper(vendorWith([{ events: ["sleep.updated"], map }]).manifest);
    const records = await mapper.map({ event: "sleep.updated" }, SLEEP, { ...CONTEXT, event: { type: "sleep.updated", userId: "u-1" } });
    expect(records.map((record) => [record.provenance.vendorRecordId, "effectiveTimeFrame" in record ? record.effectiveTimeFrame : undefined])).toEqual([
      ["LIGHT-0-sleep.updated", { dateTime: "2026-05-24T21:00:00.000Z" }],
      ["DEEP-1-sleep.updated", { dateTime: "2026-05-24T21:00:00.000Z" }],
    ]);
  });

  it("takes stream records by stream name, with the same ids as the same record from an event", async () => {
    const vendor = vendorWith([{ streams: ["sleep"], events: ["sleep.updated"], map: SLEEP_MAP }]);
    const fromStream = await recordsOfStream([vendor], "acme", "sleep", SLEEP, { vendorUserId: "u-1", fetchedAtMillis: Date.parse("2026-05-25T08:00:00Z") });
    const fromEvent = await new RecordMapper(vendor.manifest).map({ event: "sleep.updated" }, SLEEP, CONTEXT);
    expect(fromStream).toEqual(fromEvent);
    expect(await recordsOfStream([vendor], "acme", "workouts", SLEEP, { fetchedAtMillis: 0 })).toEqual([]);
  });
});

describe("manifest checks of records mappings", () => {
  it("refuses a mapping for an event type no webhook mapping gives, invalid JSONata, and a mapping that takes nothing", () => {
    expect(() => vendorWith([{ events: ["nap.updated"], map: "$" }])).toThrow(/no webhooks mapping gives events of type "nap.updated"/);
    expect(() => vendorWith([{ events: ["sleep.updated"], map: "{ (" }])).toThrow(/invalid JSONata/);
    expect(() => vendorWith([{ map: "$" }])).toThrow(/needs `events` or `streams`/);
  });
});

describe("job processor with records", () => {
  it("hands the sink the normalized records beside the raw payload", async () => {
    const vendor = vendorWith([{ events: ["sleep.updated"], map: SLEEP_MAP }]);
    const backends = createMemoryBackends();
    const engine = createConnectorEngine({ vendors: [vendor], backends, credentials: { acme: { clientId: "c", clientSecret: "s", settings: {} } } });
    await storeSealedConnection(backends, { vendor: "acme", userId: "our-user", vendorUserId: "u-1" });
    const delivered: EventDelivery[] = [];
    const process = createJobProcessor(engine, (delivery) => void delivered.push(delivery), { clock: () => Date.parse("2026-05-25T08:00:00Z") });
    const event = { id: "e-1", vendor: "acme", type: "sleep.updated", userId: "u-1", delivery: "push" as const, authenticity: "verified" as const, data: SLEEP };
    expect(await process({ event, enqueuedAt: Date.now() })).toEqual({ status: "delivered", userId: "our-user" });
    expect(delivered[0]!.data).toBe(SLEEP);
    expect(delivered[0]!.records).toMatchObject([{ id: recordId("acme", "u-1", "sleep_session", "7"), type: "sleep_session", provenance: { fetchedAt: "2026-05-25T08:00:00.000Z" } }]);

    const broken = createJobProcessor(createConnectorEngine({ vendors: [vendorWith([{ events: ["sleep.updated"], map: '{ "type": "sleep_session", "vendorRecordId": id }' }])], backends, credentials: { acme: { clientId: "c", clientSecret: "s", settings: {} } } }), (delivery) => void delivered.push(delivery));
    // An invalid record holds back neither the raw data nor the job: no records, and the typed reason beside the data.
    expect(await broken({ event, enqueuedAt: Date.now() })).toEqual({ status: "delivered", userId: "our-user" });
    expect(delivered).toHaveLength(2);
    expect(delivered[1]!.data).toBe(SLEEP);
    expect(delivered[1]!.records).toEqual([]);
    expect(isConnectorError(delivered[1]!.recordError, "record_invalid")).toBe(true);
    expect(delivered[1]!.recordError).toMatchObject({ vendor: "acme" });
    await engine.close();
  });
});
