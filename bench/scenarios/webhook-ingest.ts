// Webhook ingest in process, per shipped vendor: verify + replay check (memory replay cache) + dispatch + map,
// through the public engine API (createConnectorEngine + verifyAndParse). The floor, in the same process: Node's
// crypto.createHmac with the vendor's algorithm and key over exactly what the vendor signs (the timestamp and the
// body for WHOOP and Oura, the body for the others), digested in the vendor's encoding.
// A third side, the essential pipeline, does by hand only what no ingest can skip: the HMAC and its constant-time
// comparison, the body's decode and parse (JSON, or a form for Withings), the SHA-256 of the body that names the
// delivery and a Map insert of its replay key. It maps no event: engine over essential is the engine's own work.
import { createHmac, timingSafeEqual } from "node:crypto";
import { isAscii } from "node:buffer";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { sha256 } from "../../engine/webhooks/digest.js";
import { signWebhook, type WebhookRequest } from "../../engine/webhooks/index.js";
import { emit, median, round as roundTo, summarize } from "./stats.js";
import { moreIngestFixtures, NOW, repoPath, samplePayload, variantBody, vendorFixtures, type VendorFixture } from "./vendor-fixtures.js";

const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 9);
// A fresh engine per round: every round starts with an empty replay cache, as a freshly started process would.
const PER_ROUND = Number(process.env.BENCH_WEBHOOK_N ?? 5000);
// Two rounds' worth: the first timed round must find the JIT settled (a shorter warm-up left the first vendor's first
// rounds at twice the ratio of the later ones).
const WARMUP = Number(process.env.BENCH_WEBHOOK_WARMUP ?? 2 * PER_ROUND);
/** Deliveries timed one by one after each round's ratio slices, for the latency percentiles. */
const LATENCY_N = Number(process.env.BENCH_WEBHOOK_LATENCY_N ?? 1000);
/** Deliveries per slice: a round alternates engine and HMAC slices, so a noisy moment hits both sides alike. */
const SLICE = 250;
const only = process.env.BENCH_VENDORS?.split(",");

interface Floor {
  readonly algorithm: string;
  readonly key: Buffer;
  readonly encoding: "hex" | "base64";
  /** What the essential pipeline parses: the vendor's body format. */
  readonly form: boolean;
  /** Unsigned vendors: the essential pipeline verifies nothing (their floor HMAC is a yardstick, not a step). */
  readonly signed: boolean;
}

interface Batch {
  readonly requests: WebhookRequest[];
  readonly bodies: Buffer[];
  /** What the vendor signs before the body (its timestamp for WHOOP and Oura), "" when it signs the body alone. */
  readonly prefixes: string[];
  /** The signature as sent, in the digest's encoding, for the essential pipeline's comparison. */
  readonly signatures: string[];
}

function floorOf(definition: VendorDefinition, fixture: VendorFixture): Floor {
  const signature = definition.manifest.webhooks!.signature;
  const form = definition.manifest.webhooks!.body === "form";
  if (signature.scheme !== "hmac") {
    // Unsigned vendors (trusted by header or source IP): the floor is still an HMAC-SHA256 of the same body.
    return { algorithm: "sha256", key: Buffer.from(fixture.credentials.clientSecret), encoding: "hex", form, signed: false };
  }
  const secretSetting = /\{settings\.(\w+)\}/.exec(signature.key)?.[1];
  const raw = secretSetting ? [fixture.credentials.settings[secretSetting]!].flat()[0]! : fixture.credentials.clientSecret;
  const rendered = signature.key.replace(/\{[^}]+\}/, raw);
  return {
    algorithm: signature.algorithm,
    key: signature.keyEncoding === "base64" ? Buffer.from(rendered.replace(signature.keyPrefix ?? "", ""), "base64") : Buffer.from(rendered),
    // hex-upper is digested as hex: the engine compares hex signatures in lower case.
    encoding: signature.encoding === "base64" ? "base64" : "hex",
    form,
    signed: true,
  };
}

/** The signed content before `{body}`, rendered for one delivery. Only what the shipped manifests sign is known here. */
function signedPrefix(definition: VendorDefinition, timestamp: string): string {
  const signature = definition.manifest.webhooks!.signature;
  if (signature.scheme !== "hmac") return "";
  const [before, after] = signature.signedContent.split("{body}");
  if (after !== "" || before === undefined) throw new Error(`${definition.id}: the floor knows no signedContent "${signature.signedContent}"`);
  const prefix = before.replaceAll("{timestamp}", timestamp);
  if (/[{}]/.test(prefix)) throw new Error(`${definition.id}: the floor knows no signedContent "${signature.signedContent}"`);
  return prefix;
}

function prepare(definition: VendorDefinition, fixture: VendorFixture, floor: Floor, offset: number, count: number): Batch {
  const sample = samplePayload(fixture);
  const batch: Batch = { requests: [], bodies: [], prefixes: [], signatures: [] };
  const timestampUnit = definition.manifest.webhooks!.signature.scheme === "hmac" ? definition.manifest.webhooks!.signature.timestamp?.unit : undefined;
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(variantBody(fixture, sample, offset + i));
    // Within tolerance, spread over the last few seconds as real deliveries would be.
    const sentMs = NOW - ((offset + i) % 5000);
    const timestamp = timestampUnit === "ms" ? sentMs : Math.floor(sentMs / 1000);
    const headers = { ...fixture.headers, ...signWebhook(definition, fixture.credentials, body, { timestamp, now: NOW }) };
    batch.requests.push({ method: "POST", url: `/webhooks/${fixture.id}`, headers, rawBody: body, ...(fixture.sourceIp ? { sourceIp: fixture.sourceIp } : {}) });
    batch.bodies.push(body);
    const prefix = signedPrefix(definition, String(timestamp));
    batch.prefixes.push(prefix);
    batch.signatures.push(createHmac(floor.algorithm, floor.key).update(prefix).update(body).digest(floor.encoding));
  }
  return batch;
}

/** CPU microseconds of this process (every thread: V8's GC and compiler threads count too). */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function ingestSlice(engine: ConnectorEngine, vendor: string, requests: readonly WebhookRequest[], from: number, to: number): Promise<number> {
  let events = 0;
  for (let i = from; i < to; i++) {
    const result = await engine.verifyAndParse(vendor, requests[i]!);
    if (!result.ok) throw new Error(`${vendor}: delivery ${i} rejected: ${result.error.code} ${result.error.message}`);
    events += result.events.length;
  }
  return events;
}

function hmacSlice(floor: Floor, batch: Batch, from: number, to: number): number {
  let sink = 0;
  for (let i = from; i < to; i++) {
    const hmac = createHmac(floor.algorithm, floor.key);
    const prefix = batch.prefixes[i]!;
    if (prefix) hmac.update(prefix);
    sink += hmac.update(batch.bodies[i]!).digest(floor.encoding).length;
  }
  if (sink === 0) throw new Error("unreachable");
  return sink;
}

/**
 * The essential pipeline's signature comparison, as the engine's: both signatures written (latin1) into two buffers
 * of the signature's length, made once, and compared with timingSafeEqual.
 */
function signatureComparer(floor: Floor): (sent: string, expected: string) => boolean {
  const length = createHmac(floor.algorithm, floor.key).digest(floor.encoding).length;
  const sentBytes = Buffer.alloc(length);
  const expectedBytes = Buffer.alloc(length);
  return (sent, expected) => {
    if (sent.length !== length || expected.length !== length) return false;
    sentBytes.write(sent, 0, "latin1");
    expectedBytes.write(expected, 0, "latin1");
    return timingSafeEqual(sentBytes, expectedBytes);
  };
}

function essentialSlice(floor: Floor, matches: ReturnType<typeof signatureComparer>, batch: Batch, seen: Map<string, number>, from: number, to: number): number {
  let sink = 0;
  for (let i = from; i < to; i++) {
    const body = batch.bodies[i]!;
    if (floor.signed) {
      const hmac = createHmac(floor.algorithm, floor.key);
      const prefix = batch.prefixes[i]!;
      if (prefix) hmac.update(prefix);
      const expected = hmac.update(body).digest(floor.encoding);
      if (!matches(batch.signatures[i]!, expected)) throw new Error("essential: signature mismatch");
    }
    const text = isAscii(body) ? body.toString("latin1") : body.toString("utf8");
    const parsed: unknown = floor.form ? new URLSearchParams(text) : JSON.parse(text);
    const key = `v:body:${sha256(body, "hex").slice(0, 32)}`;
    if (!seen.has(key)) seen.set(key, i);
    if (parsed !== null) sink++;
  }
  return sink;
}

interface Side {
  cpuUs: number;
  wallNs: number;
}

/**
 * One round: the engine and the bare HMAC over the same deliveries, in alternating slices (which side goes first
 * alternates too). Each side's slices are timed in CPU time of the process, so the time another process holds the
 * core is not counted, while everything the engine's work costs (its garbage collection included) is. The round's
 * ratio is the engine's total over the floor's total: no slice is left out.
 */
async function round(engine: ConnectorEngine, vendor: string, floor: Floor, batch: Batch) {
  const n = batch.requests.length - LATENCY_N;
  const engineSide: Side = { cpuUs: 0, wallNs: 0 };
  const hmacSide: Side = { cpuUs: 0, wallNs: 0 };
  const essentialSide: Side = { cpuUs: 0, wallNs: 0 };
  const seen = new Map<string, number>();
  const matches = signatureComparer(floor);
  let events = 0;
  const timeEngine = async (from: number, to: number) => {
    const [cpu, wall] = [cpuMicros(), process.hrtime.bigint()];
    events += await ingestSlice(engine, vendor, batch.requests, from, to);
    engineSide.wallNs += Number(process.hrtime.bigint() - wall);
    engineSide.cpuUs += cpuMicros() - cpu;
  };
  const timeHmac = (from: number, to: number) => {
    const [cpu, wall] = [cpuMicros(), process.hrtime.bigint()];
    hmacSlice(floor, batch, from, to);
    hmacSide.wallNs += Number(process.hrtime.bigint() - wall);
    hmacSide.cpuUs += cpuMicros() - cpu;
  };
  const timeEssential = (from: number, to: number) => {
    const [cpu, wall] = [cpuMicros(), process.hrtime.bigint()];
    essentialSlice(floor, matches, batch, seen, from, to);
    essentialSide.wallNs += Number(process.hrtime.bigint() - wall);
    essentialSide.cpuUs += cpuMicros() - cpu;
  };
  for (let from = 0, slice = 0; from < n; from += SLICE, slice++) {
    const to = Math.min(n, from + SLICE);
    if (slice % 2 === 0) {
      await timeEngine(from, to);
      timeHmac(from, to);
      timeEssential(from, to);
    } else {
      timeEssential(from, to);
      timeHmac(from, to);
      await timeEngine(from, to);
    }
  }
  return {
    engineSide,
    hmacSide,
    essentialSide,
    n,
    events,
    ratio: engineSide.cpuUs / hmacSide.cpuUs,
    essentialRatio: essentialSide.cpuUs / hmacSide.cpuUs,
    latency: await latencies(engine, vendor, floor, batch, n),
  };
}

/** Per-delivery wall-clock latency of both sides (the clock read per call costs both alike; not used for the ratio). */
async function latencies(engine: ConnectorEngine, vendor: string, floor: Floor, batch: Batch, from: number) {
  const count = batch.requests.length - from;
  const engineNs = new Float64Array(count);
  const hmacNs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let start = process.hrtime.bigint();
    await ingestSlice(engine, vendor, batch.requests, from + i, from + i + 1);
    engineNs[i] = Number(process.hrtime.bigint() - start);
    start = process.hrtime.bigint();
    hmacSlice(floor, batch, from + i, from + i + 1);
    hmacNs[i] = Number(process.hrtime.bigint() - start);
  }
  return { engine: summarize(engineNs, engineNs.reduce((a, b) => a + b, 0)), hmac: summarize(hmacNs, hmacNs.reduce((a, b) => a + b, 0)) };
}

const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const results: Record<string, unknown>[] = [];
for (const fixture of [...vendorFixtures, ...moreIngestFixtures]) {
  if (only && !only.includes(fixture.id)) continue;
  const definition = vendors.find((vendor) => vendor.id === fixture.id);
  if (!definition) throw new Error(`no shipped manifest for ${fixture.id}`);
  const newEngine = () =>
    createConnectorEngine({
      vendors: [definition],
      backends: createMemoryBackends({ clock: () => NOW }),
      credentials: { [fixture.id]: fixture.credentials },
      clock: () => NOW,
    });
  const floor = floorOf(definition, fixture);
  const perRound = PER_ROUND + LATENCY_N;

  // Every round's deliveries are made before the warm-up: by the first timed round they have been collected into the
  // old generation, so no round pays for moving the benchmark's own data there (the floor, run after, would not).
  const batches = Array.from({ length: ROUNDS }, (_, index) => prepare(definition, fixture, floor, WARMUP + LATENCY_N + index * perRound, perRound));

  // Warm up the JIT on both paths, with deliveries never used again.
  await round(newEngine(), fixture.id, floor, prepare(definition, fixture, floor, 0, WARMUP + LATENCY_N));

  const rounds: Awaited<ReturnType<typeof round>>[] = [];
  for (const batch of batches) rounds.push(await round(newEngine(), fixture.id, floor, batch));
  const ratios = rounds.map((r) => r.ratio);
  const ratio = median(ratios);
  // The round with the median ratio gives the absolute figures shown beside it.
  const picked = rounds.reduce((best, r) => (Math.abs(r.ratio - ratio) < Math.abs(best.ratio - ratio) ? r : best));
  results.push({
    vendor: fixture.id,
    scheme: definition.manifest.webhooks!.signature.scheme,
    bodyBytes: Buffer.byteLength(samplePayload(fixture)),
    eventsPerDelivery: picked.events / picked.n,
    deliveriesPerSecond: Math.round(picked.n / (picked.engineSide.wallNs / 1e9)),
    cpuUs: roundTo(picked.engineSide.cpuUs / picked.n, 2),
    hmacCpuUs: roundTo(picked.hmacSide.cpuUs / picked.n, 2),
    p50Us: picked.latency.engine.p50Us,
    p99Us: picked.latency.engine.p99Us,
    hmacMeanUs: picked.latency.hmac.meanUs,
    hmacP50Us: picked.latency.hmac.p50Us,
    ratioToHmac: roundTo(ratio, 2),
    roundRatios: ratios.map((r) => roundTo(r, 2)),
    essentialCpuUs: roundTo(picked.essentialSide.cpuUs / picked.n, 2),
    essentialRatioToHmac: roundTo(median(rounds.map((r) => r.essentialRatio)), 2),
    engineOverEssential: roundTo(median(rounds.map((r) => r.ratio / r.essentialRatio)), 2),
    rounds: ROUNDS,
    perRound: PER_ROUND,
  });
}
emit({ scenario: "webhook-ingest", target: { maxRatioToHmac: 4 }, method: "cpu-time", vendors: results });
