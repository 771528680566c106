/**
 * Record fixtures: a vendor's documented sample response in, the expected records out
 * (`vendors/fixtures/<vendor>.records.yaml`). `runRecordFixtures(file)` maps each case with the vendor's manifest
 * and compares; the CLI's fixture runner and test/records/ both use it.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { loadVendors } from "../manifest/loader.js";
import { RecordMapper, type RecordContext, type RecordSource } from "./record-mapper.js";
import type { HealthRecord } from "./records.generated.js";

export interface RecordFixtureCase {
  readonly name: string;
  /** Where the sample response comes from (the vendor's docs). */
  readonly source?: string;
  readonly event?: string;
  readonly stream?: string;
  readonly vendorUserId?: string;
  readonly response: unknown;
  readonly records: unknown[];
}

export interface RecordFixtureResult {
  readonly name: string;
  readonly passed: boolean;
  readonly actual: HealthRecord[] | undefined;
  readonly expected: unknown[];
  /** The first difference, as a JSON pointer and what each side has there; or the mapping's error. */
  readonly problem?: string;
}

export interface RecordFixtureReport {
  readonly file: string;
  readonly vendor: string;
  readonly results: RecordFixtureResult[];
  readonly passed: boolean;
}

interface RecordFixtureFile {
  readonly vendor: string;
  /** The manifest, relative to the fixture file; default ../<vendor>.yaml. */
  readonly manifest?: string;
  readonly fetchedAt: string;
  readonly cases: RecordFixtureCase[];
}

export async function runRecordFixtures(file: string): Promise<RecordFixtureReport> {
  const fixture = parse(await readFile(file, "utf8")) as RecordFixtureFile;
  const manifestFile = resolve(dirname(file), fixture.manifest ?? `../${fixture.vendor}.yaml`);
  const { vendors } = await loadVendors([manifestFile], { allowRetired: true });
  const mapper = new RecordMapper(vendors[0]!.manifest);
  const results: RecordFixtureResult[] = [];
  for (const testCase of fixture.cases) {
    const { source, context } = fixtureCaseInput(testCase, fixture.fetchedAt);
    let actual: HealthRecord[] | undefined;
    let problem: string | undefined;
    try {
      actual = await mapper.map(source, testCase.response, context);
      problem = firstDifference(testCase.records, actual, "");
    } catch (error) {
      problem = `${(error as { code?: string }).code ?? "error"}: ${(error as Error).message}`;
    }
    results.push({ name: testCase.name, passed: problem === undefined, actual, expected: testCase.records, ...(problem ? { problem } : {}) });
  }
  return { file, vendor: fixture.vendor, results, passed: results.every((result) => result.passed) };
}

/** Where a case's response comes from and what the mapper is told of it, as the fixture runner maps it. */
export function fixtureCaseInput(testCase: Omit<RecordFixtureCase, "records">, fetchedAt: string): { source: RecordSource; context: RecordContext } {
  return {
    source: testCase.stream !== undefined ? { stream: testCase.stream } : { event: testCase.event ?? "" },
    context: {
      vendorUserId: testCase.vendorUserId,
      fetchedAt,
      ...(testCase.event ? { event: { type: testCase.event, userId: testCase.vendorUserId ?? "" } } : {}),
    },
  };
}

function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(expected, actual)) return undefined;
  if (expected && actual && typeof expected === "object" && typeof actual === "object" && Array.isArray(expected) === Array.isArray(actual)) {
    if (Array.isArray(expected) && Array.isArray(actual) && expected.length !== actual.length) {
      return `${path || "/"}: expected ${expected.length} items, got ${actual.length}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const found = firstDifference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}/${key}`);
      if (found) return found;
    }
  }
  return `${path || "/"}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
