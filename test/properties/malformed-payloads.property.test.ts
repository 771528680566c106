// JSONata dispatch and mappings on malformed payloads: a correctly authenticated body of any shape gives a typed
// ConnectorError or a verified result with well-formed events, never an untyped crash.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { signWebhook, type WebhookResult } from "../../engine/webhooks/index.js";
import { NOW, assertTyped, hmacVendors, loadDefinition, payload, processorFor } from "./support.js";

const RUNS = 50;

interface Case {
  readonly file: string;
  readonly credentials: VendorCredentials;
  readonly payload: string;
  readonly headers?: Record<string, string>;
  readonly sourceIp?: string;
}

const cases: Case[] = [
  ...hmacVendors,
  {
    file: "vendors/garmin.yaml",
    credentials: { clientId: "garmin-key", clientSecret: "g", settings: {} },
    payload: "garmin/push-activities.json",
    headers: { "garmin-client-id": "garmin-key" },
  },
  {
    file: "vendors/garmin.yaml",
    credentials: { clientId: "garmin-key", clientSecret: "g", settings: {} },
    payload: "garmin/ping-dailies.json",
    headers: { "garmin-client-id": "garmin-key" },
  },
  {
    file: "vendors/withings.yaml",
    credentials: { clientId: "w", clientSecret: "w", settings: { notifyIpRanges: ["89.30.121.0/24"] } },
    payload: "withings/notification.txt",
    sourceIp: "89.30.121.17",
  },
];

function checkResult(result: WebhookResult): void {
  assertTyped(result);
  if (!result.ok) return;
  for (const event of result.events) {
    expect(typeof event.id).toBe("string");
    expect(typeof event.type).toBe("string");
    expect(typeof event.userId === "string" && event.userId.length > 0).toBe(true);
    if (event.resourceId !== undefined) expect(typeof event.resourceId).toBe("string");
    if (event.occurredAt !== undefined) expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
    if (event.fetch) expect(() => new URL(event.fetch!.url)).not.toThrow();
  }
}

/**
 * Engine bug (reported; see the `.fails` test below): a mapped occurredAt that is a finite number outside the Date
 * range makes event-mapper.ts toIsoTime throw a RangeError. Until it is fixed, the generators keep numbers inside
 * +-8.64e12 (still far beyond any real time) so the properties test everything else; the `.fails` test keeps the case.
 */
function withoutKnownBug(value: unknown): unknown {
  if (typeof value === "number") return Math.abs(value) > 8.64e12 ? 1 : value;
  if (Array.isArray(value)) return value.map(withoutKnownBug);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutKnownBug(v)]));
  return value;
}

/** Replaces the value at a random path of `root` with `value`. */
function graft(root: unknown, pick: number, value: unknown): unknown {
  const paths: (string | number)[][] = [[]];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) node.forEach((item, i) => (paths.push([...path, i]), walk(item, [...path, i])));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) paths.push([...path, k]), walk(v, [...path, k]);
  };
  walk(root, []);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return value;
  const copy = structuredClone(root) as any;
  const parent = path.slice(0, -1).reduce((node, key) => node[key], copy);
  parent[path.at(-1)!] = value;
  return copy;
}

describe.each(cases)("mappings on malformed payloads: $file ($payload)", (c) => {
  const verify = async (body: string) => {
    const definition = await loadDefinition(c.file);
    const unit = definition.manifest.webhooks!.signature.scheme === "hmac" ? definition.manifest.webhooks!.signature.timestamp?.unit : undefined;
    const headers = { ...c.headers, ...signWebhook(definition, c.credentials, body, { timestamp: unit === "ms" ? NOW : NOW / 1000, now: NOW }) };
    return processorFor(definition, c.credentials).verifyAndParse(definition.id, { headers, rawBody: body, ...(c.sourceIp ? { sourceIp: c.sourceIp } : {}) });
  };
  const isForm = c.payload.endsWith(".txt");

  it("random JSON documents", async () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(withoutKnownBug(value)));
    await fc.assert(fc.asyncProperty(json, async (text) => checkResult(await verify(text))), { numRuns: RUNS });
  });

  it("the sample with any subtree replaced by random JSON", async ({ skip }) => {
    if (isForm) return skip();
    const sample: unknown = JSON.parse(payload(c.payload));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue({ maxDepth: 3 }), async (pick, value) => checkResult(await verify(JSON.stringify(graft(sample, pick, withoutKnownBug(value)))))),
      { numRuns: RUNS },
    );
  });

  it("random text and form bodies", async () => {
    const formLike = fc
      .array(fc.tuple(fc.constantFrom("userid", "appli", "startdate", "enddate", "date", "x"), fc.string({ maxLength: 12 })), { maxLength: 6 })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&"));
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), formLike), async (text) => checkResult(await verify(text))), { numRuns: RUNS });
  });
});

// Engine bug: event-mapper.ts toIsoTime calls new Date(n).toISOString() for any finite number, which throws
// RangeError("Invalid time value") outside +-8.64e15 ms. verifyAndParse then rejects with an untyped RangeError
// (and receiveWebhook answers 503, so the vendor retries a poison delivery for days) instead of mapping_failed.
// Remove `.fails` once toIsoTime checks the range.
it("an occurredAt number outside the Date range is mapping_failed, not a RangeError", async () => {
  const vendor = hmacVendors.find((v) => v.file.endsWith("oura.yaml"))!;
  const definition = await loadDefinition(vendor.file);
  const body = payload(vendor.payload).replace('"2026-07-04T08:00:00+00:00"', "8640000000000001");
  const headers = signWebhook(definition, vendor.credentials, body, { timestamp: NOW / 1000, now: NOW });
  const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers, rawBody: body });
  expect(result.ok ? "ok" : result.error.code).toBe("mapping_failed");
});
