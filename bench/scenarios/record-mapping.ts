// Normalized records through the manifests' `records` mappings, per vendor, against the floor of JSON.parse of the
// same vendor payloads (target: mapping costs no more than parsing). What is timed is the production path from the
// parsed payload to records: evaluating the mapping, each record's id (SHA-256) and provenance, and validating it
// against its schema. The floor is JSON.parse of the payload's text, which every delivery pays before mapping.
// Each round times both sides over every case of a vendor, one after the other in the same process, in bulk (no
// clock read per call), in the process's CPU time (steady when other processes share the cores) and wall-clock
// time; a vendor's ratio is the median of its rounds' ratios (its cases' mapping time over their parse time).
// Beside it, the same loop times the mappings' expressions alone (the generated code, no ids, provenance or
// validation), so the report shows how much of the cost is the mapping and how much the per-record guarantees.
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadVendors } from "../../engine/manifest/loader.js";
import { compileExpression, evaluateCompiled } from "../../engine/manifest/expressions.js";
import { RECORD_FUNCTION_BINDINGS } from "../../engine/records/functions.js";
import type { RecordFixtureCase } from "../../engine/records/fixtures.js";
import { RecordMapper, type RecordSource } from "../../engine/records/record-mapper.js";
import { emit, median, round } from "./stats.js";
import { repoPath } from "./vendor-fixtures.js";

const N = Number(process.env.BENCH_RECORDS_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

type FixtureCase = Omit<RecordFixtureCase, "records">;

interface Timed {
  readonly wallNs: number;
  readonly cpuNs: number;
}

async function timed(run: () => unknown | Promise<unknown>): Promise<Timed> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return { wallNs: Number(process.hrtime.bigint() - start), cpuNs: (used.user + used.system) * 1000 };
}

interface Case {
  readonly vendor: string;
  readonly name: string;
  readonly mapper: RecordMapper;
  readonly source: RecordSource;
  readonly context: { vendorUserId?: string; fetchedAt: string };
  readonly body: string;
  readonly payloads: unknown[];
  recordsPerPayload: number;
  /** The compiled expressions of the mappings that take this source; undefined when one falls back to JSONata. */
  readonly expressions: ((input: unknown) => unknown)[] | undefined;
  readonly parse: Timed[];
  readonly map: Timed[];
  readonly expression: Timed[];
}

function expressionsOf(manifest: { records?: readonly { map: string; events?: readonly string[]; streams?: readonly string[] }[] }, testCase: FixtureCase) {
  const taking = (manifest.records ?? []).filter((mapping) => (testCase.stream !== undefined ? mapping.streams?.includes(testCase.stream) : mapping.events?.includes(testCase.event!)));
  const compiled = taking.map((mapping) => compileExpression(mapping.map).compiled);
  if (compiled.some((mapping) => mapping === undefined)) return undefined;
  return compiled.map((mapping) => (input: unknown) => evaluateCompiled(mapping!, input, RECORD_FUNCTION_BINDINGS));
}

const fixtureDir = repoPath("vendors", "fixtures");
const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const cases: Case[] = [];
for (const file of readdirSync(fixtureDir).filter((name) => name.endsWith(".records.yaml")).sort()) {
  const fixture = parse(readFileSync(`${fixtureDir}/${file}`, "utf8")) as { vendor: string; fetchedAt: string; cases: FixtureCase[] };
  const { manifest } = vendors.find((vendor) => vendor.id === fixture.vendor)!;
  const mapper = new RecordMapper(manifest);
  for (const testCase of fixture.cases) {
    if (testCase.response === undefined) continue; // a deletion case: nothing to map
    const body = JSON.stringify(testCase.response);
    cases.push({
      vendor: fixture.vendor,
      name: testCase.name,
      mapper,
      source: testCase.stream !== undefined ? { stream: testCase.stream } : { event: testCase.event! },
      context: { ...(testCase.vendorUserId === undefined ? {} : { vendorUserId: testCase.vendorUserId }), fetchedAt: fixture.fetchedAt },
      body,
      // Separate parsed copies, as each delivery is its own object.
      payloads: Array.from({ length: N }, () => JSON.parse(body) as unknown),
      recordsPerPayload: 0,
      // The bench maps without an event context: the expressions get the helpers alone, as the mapper gives them.
      expressions: expressionsOf(manifest, testCase),
      parse: [],
      map: [],
      expression: [],
    });
  }
}

/** Mappings compiled to JavaScript are optimised by V8 after some thousands of calls, on threads whose CPU time counts. */
const WARMUP_CALLS = Math.max(N, 3000);
for (const c of cases) for (let i = 0; i < WARMUP_CALLS; i++) await c.mapper.map(c.source, c.payloads[i % N], c.context);

// Round 0 warms the parse side and is not counted either.
for (let round = 0; round <= ROUNDS; round++) {
  for (const c of cases) {
    const parsed = await timed(() => {
      for (let i = 0; i < N; i++) JSON.parse(c.body);
    });
    let records = 0;
    const mapped = await timed(async () => {
      for (let i = 0; i < N; i++) records += (await c.mapper.map(c.source, c.payloads[i], c.context)).length;
    });
    const expressions = c.expressions ?? [];
    const expression = await timed(() => {
      for (let i = 0; i < N; i++) for (const evaluate of expressions) evaluate(c.payloads[i]);
    });
    c.recordsPerPayload = records / N;
    if (round === 0) continue;
    c.parse.push(parsed);
    c.map.push(mapped);
    c.expression.push(expression);
  }
}

const ratio = (map: Timed[], parse: Timed[], key: keyof Timed) => round(median(map.map((m, i) => m[key] / parse[i]![key])));
const perPayloadUs = (list: Timed[], key: keyof Timed) => round(median(list.map((t) => t[key])) / N / 1000);

const caseResults = cases.map((c) => ({
  vendor: c.vendor,
  case: c.name,
  payloadBytes: Buffer.byteLength(c.body),
  recordsPerPayload: c.recordsPerPayload,
  mapCpuUsPerPayload: perPayloadUs(c.map, "cpuNs"),
  expressionCpuUsPerPayload: c.expressions ? perPayloadUs(c.expression, "cpuNs") : null,
  parseCpuUsPerPayload: perPayloadUs(c.parse, "cpuNs"),
  ratioToParseCpu: ratio(c.map, c.parse, "cpuNs"),
  ratioToParse: ratio(c.map, c.parse, "wallNs"),
}));

const sumRounds = (list: Case[], side: "parse" | "map" | "expression") =>
  Array.from({ length: ROUNDS }, (_, r) => ({
    wallNs: list.reduce((total, c) => total + c[side][r]!.wallNs, 0),
    cpuNs: list.reduce((total, c) => total + c[side][r]!.cpuNs, 0),
  }));
const vendorResults = [...new Set(cases.map((c) => c.vendor))].map((vendor) => {
  const own = cases.filter((c) => c.vendor === vendor);
  const [parse, map, expression] = [sumRounds(own, "parse"), sumRounds(own, "map"), sumRounds(own, "expression")];
  const everyExpressionCompiled = own.every((c) => c.expressions !== undefined);
  const records = own.reduce((total, c) => total + c.recordsPerPayload, 0);
  return {
    vendor,
    cases: own.length,
    payloadBytes: own.reduce((total, c) => total + Buffer.byteLength(c.body), 0),
    records,
    recordsPerSecondCpu: Math.round((records * N) / (median(map.map((m) => m.cpuNs)) / 1e9)),
    mapCpuUs: perPayloadUs(map, "cpuNs"),
    parseCpuUs: perPayloadUs(parse, "cpuNs"),
    ratioToParseCpu: ratio(map, parse, "cpuNs"),
    ratioToParse: ratio(map, parse, "wallNs"),
    expressionRatioToParseCpu: everyExpressionCompiled ? ratio(expression, parse, "cpuNs") : null,
  };
});

for (const v of vendorResults) {
  const expressionShare = v.expressionRatioToParseCpu === null ? "" : `; the expressions alone ${v.expressionRatioToParseCpu}x`;
  process.stderr.write(`[records] ${v.vendor}: mapping ${v.ratioToParseCpu}x JSON.parse (CPU time, median of ${ROUNDS} rounds; wall ${v.ratioToParse}x${expressionShare})\n`);
}
emit({ n: N, rounds: ROUNDS, target: { maxRatioToParse: 1 }, vendors: vendorResults, cases: caseResults });
