// Where the time of one webhook delivery goes, stage by stage (mean microseconds per delivery), per vendor.
// Each stage runs the engine's own function in a loop over the same deliveries the ingest benchmark uses, so the
// numbers name a file:function the lead can optimise. Reported beside the ingest table, not compared with a target.
import { createHmac } from "node:crypto";
import { MemoryReplayCache } from "../../engine/backends/embedded/index.js";
import { evaluateExpression } from "../../engine/manifest/expressions.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { parseBody } from "../../engine/webhooks/body.js";
import { EventMapper } from "../../engine/webhooks/event-mapper.js";
import { HmacScheme } from "../../engine/webhooks/hmac-signature.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { replayKey } from "../../engine/webhooks/replay-key.js";
import { headerReader } from "../../engine/webhooks/request.js";
import { checkTimestamp } from "../../engine/webhooks/timestamp.js";
import { emit, round } from "./stats.js";
import { NOW, repoPath, samplePayload, variantBody, vendorFixtures } from "./vendor-fixtures.js";

const N = Number(process.env.BENCH_BREAKDOWN_N ?? 4000);
const only = process.env.BENCH_VENDORS?.split(",");

async function timeStage<T>(items: readonly T[], stage: (item: T) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(1000, items.length); i++) await stage(items[i]!); // warm-up
  const start = process.hrtime.bigint();
  for (const item of items) await stage(item);
  return round(Number(process.hrtime.bigint() - start) / items.length / 1000, 2);
}

const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const results: Record<string, unknown>[] = [];
for (const fixture of vendorFixtures) {
  if (only && !only.includes(fixture.id)) continue;
  const definition = vendors.find((vendor) => vendor.id === fixture.id)!;
  const { webhooks } = definition.manifest;
  const sample = samplePayload(fixture);
  const deliveries = Array.from({ length: N }, (_, i) => {
    const body = Buffer.from(variantBody(fixture, sample, i));
    const signature = webhooks.signature;
    const unit = signature.scheme === "hmac" ? signature.timestamp?.unit : undefined;
    const sentMs = NOW - (i % 5000);
    const headers = { ...fixture.headers, ...signWebhook(definition, fixture.credentials, body, { timestamp: unit === "ms" ? sentMs : Math.floor(sentMs / 1000), now: NOW }) };
    return { body, headers };
  });
  const stages: Record<string, number> = {};
  stages["request.ts:headerReader"] = await timeStage(deliveries, (d) => headerReader(d.headers)("x"));
  const readers = deliveries.map((d) => headerReader(d.headers));
  const signature = webhooks.signature;
  if (signature.scheme === "hmac") {
    const scheme = new HmacScheme(fixture.id, signature, fixture.credentials);
    const parts = deliveries.map((d, i) => ({
      body: d.body,
      header: readers[i]!,
      timestamp: signature.timestamp ? checkTimestamp(signature.timestamp, readers[i]!, NOW, fixture.id) : undefined,
    }));
    if (signature.timestamp) stages["timestamp.ts:checkTimestamp"] = await timeStage(readers, (h) => checkTimestamp(signature.timestamp!, h, NOW, fixture.id));
    stages["hmac-signature.ts:HmacScheme.verify"] = await timeStage(parts, (p) => scheme.verify(p));
    stages["  of which bare createHmac digest"] = await timeStage(parts, (p) =>
      createHmac(signature.algorithm, "k")
        .update(p.timestamp ?? "")
        .update(p.body)
        .digest(),
    );
  }
  stages["body.ts:parseBody"] = await timeStage(deliveries, (d) => parseBody(d.body, webhooks.body, fixture.id));
  const parsed = deliveries.map((d) => parseBody(d.body, webhooks.body, fixture.id));
  const mapper = new EventMapper(definition.manifest, fixture.credentials);
  stages["event-mapper.ts:EventMapper.map (all)"] = await timeStage(parsed, (p) => mapper.map(p, "0123456789abcdef0123456789abcdef"));
  const { events } = webhooks;
  const items = events.split ? parsed.flatMap((p) => p as unknown[]) : parsed;
  if (events.split) stages["  of which split (expressions.ts:evaluateExpression)"] = await timeStage(parsed, (p) => evaluateExpression(events.split!, p));
  if (events.discriminator) {
    stages["  of which discriminator (expressions.ts:evaluateExpression)"] = await timeStage(items, (p) => evaluateExpression(events.discriminator!, p));
  }
  const firstDiscriminator = events.discriminator ? ((await evaluateExpression(events.discriminator, items[0])) as unknown) : undefined;
  const name = [firstDiscriminator].flat()[0];
  const mapping = events.mappings.find((m) => m.on?.includes(String(name))) ?? events.mappings[0]!;
  stages["  of which map (expressions.ts:evaluateExpression)"] = await timeStage(items, (p) => evaluateExpression(mapping.map, p));
  if (webhooks.replay) {
    const replay = webhooks.replay;
    stages["replay-key.ts:replayKey"] = await timeStage(deliveries, (d) =>
      replayKey(fixture.id, replay.key, { bodyDigest: "0123456789abcdef0123456789abcdef", header: headerReader(d.headers), signature: headerReader(d.headers)(signature.scheme === "hmac" ? signature.header : "x") }),
    );
    const cache = new MemoryReplayCache({ clock: () => NOW });
    let k = 0;
    stages["memory-replay-cache.ts:firstSeen"] = await timeStage(deliveries, () => cache.firstSeen(`k${k++}`, replay.ttlSeconds));
  }
  results.push({ vendor: fixture.id, stagesUs: stages });
}
emit({ scenario: "webhook-breakdown", vendors: results });
