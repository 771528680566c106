// The engine's record validators are generated from schema/records after rewriting it for speed (every $ref inlined,
// an exclusive oneOf as anyOf, the engine-made id checked as a string). This checks they still judge records exactly
// as ajv does with the schema files as written: the same verdict and the same first error (instance path, keyword,
// params, message) on every fixture record and on mutations of each of its fields.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { expect, it } from "vitest";
import { recordValidator } from "../../engine/records/record-schemas.js";

const SCHEMAS = "schema/records";
const FIXTURES = "vendors/fixtures";

async function schemaValidators() {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, unicodeRegExp: false });
  for (const name of await readdir(SCHEMAS)) {
    if (name !== "health-record.schema.json") ajv.addSchema(JSON.parse(await readFile(join(SCHEMAS, name), "utf8")));
  }
  return (type: string) => ajv.getSchema(`https://schemas.synheart.ai/records/v1/${type.replace(/_/g, "-")}.schema.json`)!;
}

/** The fixtures' expected records, up to three of each type (the mutations below multiply them by hundreds). */
async function fixtureRecords(): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  const perType = new Map<unknown, number>();
  for (const name of (await readdir(FIXTURES)).filter((file) => file.endsWith(".records.yaml")).sort()) {
    const fixture = parse(await readFile(join(FIXTURES, name), "utf8")) as { cases: { records?: Record<string, unknown>[] }[] };
    for (const record of fixture.cases.flatMap((testCase) => testCase.records ?? [])) {
      const seen = perType.get(record.type) ?? 0;
      if (seen < 3) records.push(record);
      perType.set(record.type, seen + 1);
    }
  }
  return records;
}

/** Every path to a value in the record, the record itself left out. */
function pathsIn(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [path];
  const inner = Array.isArray(value) ? value.flatMap((item, i) => pathsIn(item, [...path, i])) : Object.entries(value).flatMap(([key, item]) => pathsIn(item, [...path, key]));
  return path.length === 0 ? inner : [path, ...inner];
}

function withChange(record: Record<string, unknown>, path: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void) {
  const copy = structuredClone(record);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1)!);
  return copy;
}

const BAD_VALUES: unknown[] = [
  "x", "", -1, 0, 1.5, 1e9, null, true, [], {}, [{}], "😀".repeat(300), "x".repeat(513),
  "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.1234567891Z", "2026-01-01T00:00:00+01:00", "2026-05-24", "+14:00", "+15:00", "Abc",
];

const verdict = (validate: { (value: unknown): boolean; errors?: ErrorObject[] | null }, record: unknown) => {
  if (validate(record)) return "valid";
  const { instancePath, keyword, params, message } = validate.errors![0]!;
  return { instancePath, keyword, params, message };
};

it("the engine's validators judge every record as ajv does with schema/records as written (the id aside)", async () => {
  const fromSchema = await schemaValidators();
  const records = await fixtureRecords();
  expect(new Set(records.map((record) => record.type)).size).toBe(13);
  let compared = 0;
  for (const record of records) {
    const type = record.type as string;
    const [engine, reference] = [recordValidator(type)!, fromSchema(type)];
    const candidates = [record];
    for (const path of pathsIn(record)) {
      if (path[0] === "id" || path[0] === "type") continue;
      for (const bad of BAD_VALUES) candidates.push(withChange(record, path, (parent, key) => (parent[key] = structuredClone(bad))));
      candidates.push(withChange(record, path, (parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key])));
      candidates.push(withChange(record, path, (parent, key) => parent[key] !== null && typeof parent[key] === "object" && !Array.isArray(parent[key]) && ((parent[key] as Record<string, unknown>).extra = 1)));
    }
    for (const candidate of candidates) {
      expect(verdict(engine, candidate), `${type}: ${JSON.stringify(candidate).slice(0, 200)}`).toEqual(verdict(reference, candidate));
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(5000);
});

it("the engine's validators leave the id's form to recordId, and check it is a string", async () => {
  const [record] = await fixtureRecords();
  const validate = recordValidator(record!.type as string)!;
  expect(validate({ ...record, id: "not-a-uuid" })).toBe(true);
  expect(validate({ ...record, id: 7 })).toBe(false);
  expect((await schemaValidators())(record!.type as string)({ ...record, id: "not-a-uuid" })).toBe(false);
});
