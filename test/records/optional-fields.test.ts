import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadVendors } from "../../engine/manifest/loader.js";
import { RecordMapper } from "../../engine/records/record-mapper.js";
import { fixtureCaseInput, type RecordFixtureCase } from "../../engine/records/fixtures.js";
import { withLeafReplaced } from "./support/leaf-replacement.js";

/**
 * Vendors document most fields as optional or nullable (Terra: every field; Google Health: proto3 JSON leaves out
 * zeros, false and unspecified enums; Wahoo: an empty summary is all nulls; Garmin and Withings: what a device did
 * not measure is absent or null; Dexcom: a reading out of range has a null value), and a value of 0 often means "not
 * measured". For these manifests, every fixture sample with any one field set to null, left out, or (a number) set
 * to 0 must still give valid records or none: never record_invalid or mapping_failed.
 */
const VENDORS = ["google-health", "terra", "wahoo", "strava", "garmin", "withings", "suunto", "dexcom"];

type FixtureCase = Omit<RecordFixtureCase, "records">;

function* variants(value: unknown, path: (string | number)[] = []): Generator<{ path: string; apply: (root: unknown) => unknown }> {
  if (value === null || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    const at = [...path, key];
    const numeric = typeof inner === "number" || (typeof inner === "string" && /^-?\d+(\.\d+)?$/.test(inner));
    const replacements: unknown[] = [undefined, null, ...(numeric ? [typeof inner === "number" ? 0 : "0"] : [])];
    for (const replacement of replacements) {
      yield {
        path: `${at.join("/")}=${replacement === undefined ? "removed" : JSON.stringify(replacement)}`,
        apply: (root) => withLeafReplaced(root, at, replacement),
      };
    }
    yield* variants(inner, at);
  }
}

describe.each(VENDORS)("%s records with a field null, absent or 0", (vendor) => {
  it("give valid records or none, never an error", async () => {
    const fixture = parse(await readFile(`vendors/fixtures/${vendor}.records.yaml`, "utf8")) as { fetchedAt: string; cases: FixtureCase[] };
    const { vendors } = await loadVendors([`vendors/${vendor}.yaml`]);
    const mapper = new RecordMapper(vendors[0]!.manifest);
    const failures: string[] = [];
    let tried = 0;
    for (const testCase of fixture.cases) {
      const { source, context } = fixtureCaseInput(testCase, fixture.fetchedAt);
      for (const variant of variants(testCase.response)) {
        tried++;
        try {
          await mapper.map(source, variant.apply(testCase.response), context);
        } catch (error) {
          failures.push(`${testCase.name}: ${variant.path}: ${(error as { code?: string }).code ?? "error"}`);
        }
      }
    }
    expect(tried).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});

describe("documented states that carry no measurement give no records", () => {
  const context = { vendorUserId: "u1", fetchedAt: "2026-05-25T08:00:00.000Z" };
  async function recordsOf(vendor: string, event: string, data: unknown) {
    const { vendors } = await loadVendors([`vendors/${vendor}.yaml`]);
    return new RecordMapper(vendors[0]!.manifest).map({ event }, data, { ...context, event: { type: event, userId: "u1" } });
  }

  it("Terra: a day whose only value is total_burned_calories, an activity in local time (no offset)", async () => {
    const day = { metadata: { start_time: "2022-10-28T00:00:00.000000+01:00", end_time: "2022-10-29T00:00:00.000000+01:00", upload_type: 1 }, calories_data: { total_burned_calories: 2250, net_activity_calories: null }, distance_data: { steps: null, distance_meters: null } };
    expect(await recordsOf("terra", "daily.created", { type: "daily", user: { user_id: "u1", provider: "APPLE" }, data: [day] })).toEqual([]);
    const local = { metadata: { summary_id: "a1", type: 7, start_time: "2022-11-01T18:00:00.000000", end_time: "2022-11-01T18:45:00.000000", upload_type: 1 } };
    expect(await recordsOf("terra", "activity.created", { type: "activity", user: { user_id: "u1", provider: "APPLE" }, data: [local] })).toEqual([]);
  });

  it("Google Health: values left out by proto3 JSON (0 bpm, a zero part of a date) give no sample or daily value", async () => {
    const points = [
      { dataSource: { platform: "FITBIT" }, heartRate: { sampleTime: { physicalTime: "2026-05-26T09:00:30Z", utcOffset: "7200s" } } },
      { dataSource: { platform: "FITBIT" }, dailyRestingHeartRate: { beatsPerMinute: "58", date: { year: 2026, month: 5 } } },
      { dataSource: { platform: "FITBIT" }, dailyRespiratoryRate: { date: { year: 2026, month: 5, day: 26 } } },
    ];
    expect(await recordsOf("google-health", "health_data.updated", { dataPoints: points })).toEqual([]);
  });
});
