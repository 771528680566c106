// Webhook ingest in process, per shipped vendor: verify + replay check (memory replay cache) + JSONata dispatch + map,
// through the public engine API (createConnectorEngine + verifyAndParse). The floor, in the same process: Node's
// crypto.createHmac over the same bodies with the vendor's algorithm and key.
import { createHmac } from "node:crypto";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook, type WebhookRequest } from "../../engine/webhooks/index.js";
import { emit, median, round, summarize, type LatencySummary } from "./stats.js";
import { NOW, repoPath, samplePayload, variantBody, vendorFixtures, type VendorFixture } from "./vendor-fixtures.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// A fresh engine per round: every round starts with an empty replay cache, as a freshly started process would.
const PER_ROUND = Number(process.env.BENCH_WEBHOOK_N ?? 5000);
const WARMUP = Number(process.env.BENCH_WEBHOOK_WARMUP ?? 3000);
const only = process.env.BENCH_VENDORS?.split(",");

interface Prepared {
  readonly requests: WebhookRequest[];
  readonly hmacInputs: { readonly key: Buffer; readonly content: Buffer[] }[];
}

function floorKey(definition: VendorDefinition, fixture: VendorFixture): { algorithm: string; key: Buffer; encoding: "hex" | "base64" } {
  const signature = definition.manifest.webhooks!.signature;
  if (signature.scheme !== "hmac") {
    // Unsigned vendors (trusted by header or source IP): the floor is still an HMAC-SHA256 of the same body.
    return { algorithm: "sha256", key: Buffer.from(fixture.credentials.clientSecret), encoding: "hex" };
  }
  const secretSetting = /\{settings\.(\w+)\}/.exec(signature.key)?.[1];
  const raw = secretSetting ? [fixture.credentials.settings[secretSetting]!].flat()[0]! : fixture.credentials.clientSecret;
  const rendered = signature.key.replace(/\{[^}]+\}/, raw);
  return {
    algorithm: signature.algorithm,
    key: signature.keyEncoding === "base64" ? Buffer.from(rendered.replace(signature.keyPrefix ?? "", ""), "base64") : Buffer.from(rendered),
    encoding: signature.encoding === "base64" ? "base64" : "hex",
  };
}

function prepare(definition: VendorDefinition, fixture: VendorFixture, offset: number, count: number): { requests: WebhookRequest[]; bodies: Buffer[] } {
  const sample = samplePayload(fixture);
  const requests: WebhookRequest[] = [];
  const bodies: Buffer[] = [];
  const timestampUnit = definition.manifest.webhooks!.signature.scheme === "hmac" ? definition.manifest.webhooks!.signature.timestamp?.unit : undefined;
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(variantBody(fixture, sample, offset + i));
    // Within tolerance, spread over the last few seconds as real deliveries would be.
    const sentMs = NOW - ((offset + i) % 5000);
    const timestamp = timestampUnit === "ms" ? sentMs : Math.floor(sentMs / 1000);
    const headers = { ...fixture.headers, ...signWebhook(definition, fixture.credentials, body, { timestamp, now: NOW }) };
    requests.push({ method: "POST", url: `/webhooks/${fixture.id}`, headers, rawBody: body, ...(fixture.sourceIp ? { sourceIp: fixture.sourceIp } : {}) });
    bodies.push(body);
  }
  return { requests, bodies };
}

async function ingest(engine: ConnectorEngine, vendor: string, requests: readonly WebhookRequest[]): Promise<{ samples: Float64Array; totalNs: number; events: number }> {
  const samples = new Float64Array(requests.length);
  let events = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < requests.length; i++) {
    const t0 = process.hrtime.bigint();
    const result = await engine.verifyAndParse(vendor, requests[i]!);
    samples[i] = Number(process.hrtime.bigint() - t0);
    if (!result.ok) throw new Error(`${vendor}: delivery ${i} rejected: ${result.error.code} ${result.error.message}`);
    events += result.events.length;
  }
  return { samples, totalNs: Number(process.hrtime.bigint() - start), events };
}

function hmacFloor(algorithm: string, key: Buffer, encoding: "hex" | "base64", bodies: readonly Buffer[]): { samples: Float64Array; totalNs: number } {
  const samples = new Float64Array(bodies.length);
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < bodies.length; i++) {
    const t0 = process.hrtime.bigint();
    sink += createHmac(algorithm, key).update(bodies[i]!).digest(encoding).length;
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = Number(process.hrtime.bigint() - start);
  if (sink === 0) throw new Error("unreachable");
  return { samples, totalNs };
}

const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const results: Record<string, unknown>[] = [];
for (const fixture of vendorFixtures) {
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
  const floor = floorKey(definition, fixture);

  // Every round's deliveries are made before the warm-up: by the first timed round they have been collected into the
  // old generation, so no round pays for moving the benchmark's own data there (the floor, run after, would not).
  const batches = Array.from({ length: ROUNDS }, (_, round) => prepare(definition, fixture, WARMUP + round * PER_ROUND, PER_ROUND));

  // Warm up the JIT on both paths, with deliveries never used again.
  const warm = prepare(definition, fixture, 0, WARMUP);
  await ingest(newEngine(), fixture.id, warm.requests);
  hmacFloor(floor.algorithm, floor.key, floor.encoding, warm.bodies);

  const engineRounds: LatencySummary[] = [];
  const floorRounds: LatencySummary[] = [];
  let eventsPerDelivery = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const batch = batches[round]!;
    const run = await ingest(newEngine(), fixture.id, batch.requests);
    engineRounds.push(summarize(run.samples, run.totalNs));
    eventsPerDelivery = run.events / PER_ROUND;
    const bare = hmacFloor(floor.algorithm, floor.key, floor.encoding, batch.bodies);
    floorRounds.push(summarize(bare.samples, bare.totalNs));
  }
  // The median round of each: robust against one round hit by GC or a noisy neighbour.
  const pick = (rounds: LatencySummary[]) => {
    const mid = median(rounds.map((r) => r.meanUs));
    return rounds.reduce((best, r) => (Math.abs(r.meanUs - mid) < Math.abs(best.meanUs - mid) ? r : best));
  };
  const engine = pick(engineRounds);
  const hmac = pick(floorRounds);
  results.push({
    vendor: fixture.id,
    scheme: definition.manifest.webhooks!.signature.scheme,
    bodyBytes: Buffer.byteLength(samplePayload(fixture)),
    eventsPerDelivery,
    deliveriesPerSecond: engine.perSecond,
    p50Us: engine.p50Us,
    p99Us: engine.p99Us,
    meanUs: engine.meanUs,
    hmacMeanUs: hmac.meanUs,
    hmacP50Us: hmac.p50Us,
    ratioToHmac: round(engine.meanUs / hmac.meanUs, 2),
    rounds: ROUNDS,
    perRound: PER_ROUND,
  });
}
emit({ scenario: "webhook-ingest", target: { maxRatioToHmac: 5 }, vendors: results });
