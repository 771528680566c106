// Where the time of one webhook delivery goes, stage by stage (mean microseconds per delivery), per vendor.
// Each stage runs the engine's own function in a loop over the same deliveries the ingest benchmark uses, timed as a
// whole (no clock read or await per call, which would cost more than some stages), best of a few passes, so the
// numbers name a file:function to optimise. Reported beside the ingest table, not compared with a target.
import { createHmac } from "node:crypto";
import { MemoryReplayCache } from "../../engine/backends/embedded/index.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { parseBody } from "../../engine/webhooks/body.js";
import { sha256 } from "../../engine/webhooks/digest.js";
import { EventMapper } from "../../engine/webhooks/event-mapper.js";
import { HmacScheme } from "../../engine/webhooks/hmac-signature.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { replayKey } from "../../engine/webhooks/replay-key.js";
import { headerReader } from "../../engine/webhooks/request.js";
import { checkTimestamp } from "../../engine/webhooks/timestamp.js";
import { UnsignedScheme } from "../../engine/webhooks/trust-checks.js";
import { emit, round } from "./stats.js";
import { NOW, repoPath, samplePayload, variantBody, vendorFixtures } from "./vendor-fixtures.js";

const N = Number(process.env.BENCH_BREAKDOWN_N ?? 5000);
const PASSES = 5;
const only = process.env.BENCH_VENDORS?.split(",");

function timeStage<T>(items: readonly T[], stage: (item: T) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass <= PASSES; pass++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < items.length; i++) stage(items[i]!);
    const perItem = Number(process.hrtime.bigint() - start) / items.length;
    if (pass > 0) best = Math.min(best, perItem); // pass 0 warms the JIT
  }
  return round(best / 1000, 2);
}

/** For stages that answer with a promise: awaited in one batch, so the time is the stage's, not a microtask hop's. */
async function timeAsyncStage<T>(items: readonly T[], stage: (item: T) => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass <= PASSES; pass++) {
    const start = process.hrtime.bigint();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < items.length; i++) pending.push(stage(items[i]!));
    await Promise.all(pending);
    const perItem = Number(process.hrtime.bigint() - start) / items.length;
    if (pass > 0) best = Math.min(best, perItem);
  }
  return round(best / 1000, 2);
}

/** A fresh cache per pass: every pass inserts keys never seen, as live deliveries do. */
const caches: MemoryReplayCache[] = [];
function cacheOf(pass: number): MemoryReplayCache {
  caches[pass] ??= new MemoryReplayCache({ clock: () => NOW });
  return caches[pass]!;
}

const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const results: Record<string, unknown>[] = [];
for (const fixture of vendorFixtures) {
  if (only && !only.includes(fixture.id)) continue;
  const definition = vendors.find((vendor) => vendor.id === fixture.id)!;
  const { webhooks } = definition.manifest;
  const signature = webhooks.signature;
  const sample = samplePayload(fixture);
  const deliveries = Array.from({ length: N }, (_, i) => {
    const body = Buffer.from(variantBody(fixture, sample, i));
    const unit = signature.scheme === "hmac" ? signature.timestamp?.unit : undefined;
    const sentMs = NOW - (i % 5000);
    const headers = { ...fixture.headers, ...signWebhook(definition, fixture.credentials, body, { timestamp: unit === "ms" ? sentMs : Math.floor(sentMs / 1000), now: NOW }) };
    return { body, headers };
  });
  const readers = deliveries.map((d) => headerReader(d.headers));
  const stages: Record<string, number> = {};
  stages["bare createHmac over the body (the floor)"] = timeStage(deliveries, (d) => createHmac("sha256", "key").update(d.body).digest("hex"));
  stages["request.ts:headerReader"] = timeStage(deliveries, (d) => headerReader(d.headers));
  if (signature.scheme === "hmac") {
    const scheme = new HmacScheme(fixture.id, signature, fixture.credentials);
    const timestampOf = (i: number) => (signature.timestamp ? checkTimestamp(signature.timestamp, readers[i]!(signature.timestamp.header ?? ""), "timestamp", NOW, fixture.id) : undefined);
    const parts = deliveries.map((d, i) => ({ body: d.body, header: readers[i]!, timestamp: timestampOf(i), id: signature.id ? readers[i]!(signature.id.header) : undefined }));
    if (signature.timestamp) stages["timestamp.ts:checkTimestamp"] = timeStage(readers, (h) => checkTimestamp(signature.timestamp!, h(signature.timestamp!.header ?? ""), "timestamp", NOW, fixture.id));
    stages["hmac-signature.ts:HmacScheme.verify"] = timeStage(parts, (p) => scheme.verify(p));
  } else if (signature.scheme === "none") {
    const scheme = new UnsignedScheme(fixture.id, signature, fixture.credentials);
    stages["trust-checks.ts:UnsignedScheme.verify"] = timeStage(readers, (h) => scheme.verify(h, fixture.sourceIp));
  }
  stages["body.ts:parseBody"] = timeStage(deliveries, (d) => parseBody(d.body, webhooks.body, fixture.id));
  stages["digest.ts:sha256 (delivery id)"] = timeStage(deliveries, (d) => sha256(d.body, "hex"));
  const parsed = deliveries.map((d) => parseBody(d.body, webhooks.body, fixture.id));
  const mapper = new EventMapper(definition.manifest, fixture.credentials);
  const deliveryId = "0123456789abcdef0123456789abcdef";
  stages["event-mapper.ts:EventMapper.map"] = mapper.map(parsed[0], deliveryId) instanceof Promise
    ? await timeAsyncStage(parsed, async (p) => mapper.map(p, deliveryId))
    : timeStage(parsed, (p) => mapper.map(p, deliveryId));
  if (webhooks.replay) {
    const replay = webhooks.replay;
    const parts = deliveries.map((d, i) => ({ bodyDigest: sha256(d.body, "hex").slice(0, 32), header: readers[i]!, signature: `signature-${i}` }));
    stages["replay-key.ts:replayKey"] = timeStage(parts, (p) => replayKey(fixture.id, replay.key, p));
    let pass = 0;
    stages["memory-replay-cache.ts:firstSeen"] = await timeAsyncStage(parts, (p) => {
      if (p === parts[0]) pass++;
      return cacheOf(pass).firstSeen(`${fixture.id}:${pass}:${p.bodyDigest}`, replay.ttlSeconds);
    });
  }
  results.push({ vendor: fixture.id, stagesUs: stages });
}
emit({ scenario: "webhook-breakdown", vendors: results });

