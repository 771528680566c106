// Normalized records through the manifest's `records` mappings, per vendor fixture case, against the floor of
// JSON.parse of the same vendor payload (target: mapping costs no more than parsing). Mapping includes evaluating
// the expressions, building each record's id and provenance, and validating it against its schema.
// Both sides are timed in the same process over the same payloads, in bulk (no clock read per call), best of passes,
// in wall-clock time and in the process's CPU time (steadier when other processes share the cores).
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadVendors } from "../../engine/manifest/loader.js";
import { RecordMapper } from "../../engine/records/record-mapper.js";
import { emit, round } from "./stats.js";
import { repoPath } from "./vendor-fixtures.js";

const N = Number(process.env.BENCH_RECORDS_N ?? 2000);
const PASSES = Number(process.env.BENCH_ROUNDS ?? 5);

interface FixtureCase {
  readonly name: string;
  readonly event?: string;
  readonly stream?: string;
  readonly vendorUserId?: string;
  readonly response: unknown;
}

/** Best wall-clock and best CPU nanoseconds of the passes after the first, which warms the JIT. */
async function best(run: () => unknown | Promise<unknown>): Promise<{ wallNs: number; cpuNs: number }> {
  let wallNs = Number.POSITIVE_INFINITY;
  let cpuNs = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass <= PASSES; pass++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    if (pass === 0) continue;
    wallNs = Math.min(wallNs, Number(process.hrtime.bigint() - start));
    cpuNs = Math.min(cpuNs, (used.user + used.system) * 1000);
  }
  return { wallNs, cpuNs };
}

const fixtureDir = repoPath("vendors", "fixtures");
const files = readdirSync(fixtureDir).filter((name) => name.endsWith(".records.yaml")).sort();
const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const results: Record<string, unknown>[] = [];
for (const file of files) {
  const fixture = parse(readFileSync(`${fixtureDir}/${file}`, "utf8")) as { vendor: string; fetchedAt: string; cases: FixtureCase[] };
  const mapper = new RecordMapper(vendors.find((vendor) => vendor.id === fixture.vendor)!.manifest);
  for (const testCase of fixture.cases) {
    const source = testCase.stream !== undefined ? { stream: testCase.stream } : { event: testCase.event! };
    const context = { vendorUserId: testCase.vendorUserId, fetchedAt: fixture.fetchedAt };
    const body = JSON.stringify(testCase.response);
    const parsed = Array.from({ length: N }, () => JSON.parse(body) as unknown);
    const recordsPerPayload = (await mapper.map(source, parsed[0], context)).length;
    const parse = await best(() => {
      for (let i = 0; i < N; i++) JSON.parse(body);
    });
    const map = await best(async () => {
      for (let i = 0; i < N; i++) await mapper.map(source, parsed[i], context);
    });
    results.push({
      vendor: fixture.vendor,
      case: testCase.name,
      payloadBytes: Buffer.byteLength(body),
      recordsPerPayload,
      recordsPerSecond: Math.round((recordsPerPayload * N) / (map.wallNs / 1e9)),
      mapUsPerPayload: round(map.wallNs / N / 1000),
      parseUsPerPayload: round(parse.wallNs / N / 1000),
      ratioToParse: round(map.wallNs / parse.wallNs),
      mapCpuUsPerPayload: round(map.cpuNs / N / 1000),
      parseCpuUsPerPayload: round(parse.cpuNs / N / 1000),
      ratioToParseCpu: round(map.cpuNs / parse.cpuNs),
    });
  }
}
emit({ n: N, target: { maxRatioToParse: 1 }, cases: results });
