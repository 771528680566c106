import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { runRecordFixtures } from "../../engine/records/fixtures.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import common from "../../schema/records/common.schema.json" with { type: "json" };
import healthRecord from "../../schema/records/health-record.schema.json" with { type: "json" };

const FIXTURES = "vendors/fixtures";
const files = (await readdir(FIXTURES)).filter((name) => name.endsWith(".records.yaml")).sort().map((name) => join(FIXTURES, name));

/** A second validator, built from the files alone (health-record.schema.json and its refs), not the engine's. */
async function independentValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema(common);
  for (const name of await readdir("schema/records")) {
    if (name !== "common.schema.json" && name !== "health-record.schema.json") ajv.addSchema((await import(`../../schema/records/${name}`, { with: { type: "json" } })).default);
  }
  return ajv.compile(healthRecord);
}

const validate = await independentValidator();

it("every shipped vendor has records fixtures", async () => {
  const { vendors } = await loadVendors(["vendors"], { allowRetired: true });
  const withRecords = vendors.filter((vendor) => vendor.manifest.records).map((vendor) => vendor.id);
  expect(files.map((file) => file.slice(FIXTURES.length + 1, -".records.yaml".length))).toEqual(expect.arrayContaining(withRecords));
  expect(withRecords).toEqual(expect.arrayContaining(["whoop", "oura", "polar", "garmin", "withings", "suunto", "wahoo", "google-health"]));
});

describe.each(files)("%s", (file) => {
  it("maps every documented sample to the expected records, each valid against schema/records", async () => {
    const report = await runRecordFixtures(file);
    for (const result of report.results) {
      expect(result.problem, result.name).toBeUndefined();
      expect(result.expected.length, `${result.name}: a case must expect records`).toBeGreaterThan(0);
      for (const record of result.expected) {
        expect(validate(record) ? [] : validate.errors, `${result.name}: ${(record as { type: string }).type}`).toEqual([]);
      }
    }
    expect(report.passed).toBe(true);
  });

  it("gives the same record ids when the same samples are mapped again (re-deliveries do not duplicate)", async () => {
    const first = await runRecordFixtures(file);
    const second = await runRecordFixtures(file);
    const ids = (report: typeof first) => report.results.flatMap((result) => (result.actual ?? []).map((record) => record.id));
    expect(ids(second)).toEqual(ids(first));
    // Deletion markers carry the ids of the records they remove: unique among themselves, not beside those records.
    const records = first.results.flatMap((result) => result.actual ?? []);
    for (const kind of [records.filter((record) => record.type !== "deletion"), records.filter((record) => record.type === "deletion")]) {
      expect(new Set(kind.map((record) => record.id)).size).toBe(kind.length);
    }
  });
});
