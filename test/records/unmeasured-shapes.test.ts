import { describe, expect, it } from "vitest";
import { loadVendors } from "../../engine/manifest/loader.js";
import { RecordMapper, type RecordSource } from "../../engine/records/record-mapper.js";

/**
 * Documented shapes that carry nothing a record could hold: optional fields null or left out, a reading outside the
 * device's range. Each must give no record, neither an invalid one (record_invalid) nor a failed mapping. The shapes
 * that do give records are fixture cases in vendors/fixtures/<vendor>.records.yaml.
 */
interface Shape {
  readonly name: string;
  readonly source: RecordSource;
  readonly data: unknown;
}

const SHAPES: Record<string, Shape[]> = {
  garmin: [
    {
      name: "an HRV summary without lastNightAvg",
      source: { event: "hrv.updated" },
      data: { userId: "u", summaryId: "x473db21-630fbe59", calendarDate: "2022-09-01", startTimeOffsetInSeconds: -18000, durationInSeconds: 600, startTimeInSeconds: 1662008400, lastNightAvg: null, hrvValues: { "300": 40 } },
    },
    {
      name: "a pulse ox summary with no values, or only null ones",
      source: { event: "pulse_ox.updated" },
      data: [
        { userId: "u", summaryId: "a", calendarDate: "2022-09-01", startTimeInSeconds: 1662030000, durationInSeconds: 60, startTimeOffsetInSeconds: -18000, timeOffsetSpo2Values: {}, onDemand: false },
        { userId: "u", summaryId: "b", calendarDate: "2022-09-01", startTimeInSeconds: 1662030000, durationInSeconds: 60, startTimeOffsetInSeconds: -18000, timeOffsetSpo2Values: { "0": null }, onDemand: true },
        { userId: "u", summaryId: "c", calendarDate: "2022-09-01", startTimeInSeconds: 1662030000, durationInSeconds: 60, startTimeOffsetInSeconds: -18000, onDemand: true },
        { userId: "u", summaryId: "d", calendarDate: "2022-09-01", startTimeInSeconds: 1662030000, durationInSeconds: 60, startTimeOffsetInSeconds: -18000, timeOffsetSpo2Values: null, onDemand: true },
      ],
    },
    {
      name: "a respiration summary without breaths",
      source: { event: "respiration.updated" },
      data: [
        { userId: "u", summaryId: "x15372ea-5f2bf581", startTimeInSeconds: 1596716400, durationInSeconds: 900, startTimeOffsetInSeconds: 7200, timeOffsetEpochToBreaths: { "0": -1 } },
        { userId: "u", summaryId: "x15372ea-5f2bf582", startTimeInSeconds: 1596717300, durationInSeconds: 900, startTimeOffsetInSeconds: 7200, timeOffsetEpochToBreaths: null },
      ],
    },
    {
      name: "a skin temperature summary whose deviation is null",
      source: { event: "skin_temperature.updated" },
      data: { userId: "u", summaryId: "s", calendarDate: "2022-09-02", avgDeviationCelsius: null, durationInSeconds: 26460, startTimeInSeconds: 1662076800, startTimeOffsetInSeconds: -18000 },
    },
    {
      name: "a body composition with muscle and bone mass only",
      source: { event: "body_composition.updated" },
      data: { userId: "u", summaryId: "x15372ea-5f2bf581", measurementTimeInSeconds: 1439741130, measurementTimeOffsetInSeconds: 0, muscleMassInGrams: 25478, boneMassInGrams: 2437, weightInGrams: null },
    },
    {
      name: "a daily of nothing measured",
      source: { stream: "dailies" },
      data: { userId: "u", summaryId: "d", calendarDate: "2020-03-17", startTimeInSeconds: 1584399600, durationInSeconds: 900, startTimeOffsetInSeconds: 3600, steps: null, restingHeartRateInBeatsPerMinute: 0 },
    },
  ],
  withings: [
    {
      name: "a blood pressure measure group (diastolic and systolic: no record type holds them)",
      source: { event: "blood_pressure.updated" },
      data: { status: 0, body: { updatetime: 1594257200, timezone: "Europe/Paris", more: 0, offset: 0, measuregrps: [{ grpid: 31, attrib: 0, date: 1594245600, created: 1594246600, modified: 1594257200, category: 1, deviceid: null, model: null, measures: [{ value: 80, type: 9, unit: 0 }, { value: 120, type: 10, unit: 0 }] }] } },
    },
    {
      name: "a user objective (category 2) read by the measures stream",
      source: { stream: "measures" },
      data: { grpid: 32, attrib: 2, date: 1594245600, created: 1594246600, modified: 1594257200, category: 2, deviceid: null, model: null, measures: [{ value: 65000, type: 1, unit: -3 }], timezone: "Europe/Paris" },
    },
    {
      name: "a day with total calories only",
      source: { stream: "activity" },
      data: { date: "2020-07-10", timezone: "Europe/Paris", deviceid: null, brand: 18, is_tracker: false, steps: null, distance: null, calories: null, totalcalories: 1700 },
    },
    { name: "a sleep response without segments", source: { event: "sleep.updated" }, data: { status: 0, body: { model: 16, series: [] } } },
    { name: "a sleep response whose series is null", source: { event: "sleep.updated" }, data: { status: 0, body: { model: 16, series: null } } },
    { name: "an error answer (status not 0, no body) to a sleep fetch", source: { event: "sleep.updated" }, data: { status: 401, error: "XRequestError: Invalid Params: invalid or expired access token" } },
    { name: "an error answer to an activity fetch", source: { event: "activity.updated" }, data: { status: 401, error: "XRequestError: Invalid Params: invalid or expired access token" } },
  ],
  dexcom: [
    {
      name: "a reading below the sensor's range: status low, value null",
      source: { stream: "egvs" },
      data: { recordId: "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", systemTime: "2026-04-30T15:20:00", displayTime: "2026-04-30T08:20:00", transmitterId: "8HX3LM", transmitterTicks: 64310139, value: null, status: "low", trend: null, trendRate: null, unit: "mg/dL", rateUnit: "mg/dL/min", displayDevice: "receiver", transmitterGeneration: "g6" },
    },
    {
      name: "the documented placeholder record (value 0, unit unknown)",
      source: { stream: "egvs" },
      data: { recordId: "string", systemTime: "2023-01-01T08:00:00", displayTime: "2023-01-01T00:00:00", transmitterId: "string", transmitterTicks: 0, value: 0, status: "unknown", trend: "none", trendRate: 0, unit: "unknown", rateUnit: "unknown", displayDevice: "string", transmitterGeneration: "unknown" },
    },
    {
      name: "a value in an unknown unit",
      source: { stream: "egvs" },
      data: { recordId: "f95eee1e-084d-5f22-94c0-031d4d706294", systemTime: "2026-04-30T15:00:00", displayTime: "2026-04-30T15:00:00", transmitterId: "8HX3LM", transmitterTicks: 73688690, value: 135, status: "high", trend: "rateOutOfRange", trendRate: 0.6, unit: "unknown", rateUnit: "mmol/L/min", displayDevice: "android", transmitterGeneration: "g5" },
    },
  ],
  suunto: [
    {
      name: "a workout with neither totalTime nor stopTime",
      source: { event: "workout.created" },
      data: { type: "WORKOUT_CREATED", username: "johndoe123", workout: { workoutKey: "67604889401b942184624cb9", activityId: 3, startTime: 1702729200000, totalTime: null, hrdata: { workoutAvgHR: 145, workoutMaxHR: 175 } } },
    },
  ],
};

describe.each(Object.entries(SHAPES))("%s", (vendor, shapes) => {
  it.each(shapes.map((shape) => [shape.name, shape] as const))("%s gives no record", async (_name, shape) => {
    const { vendors } = await loadVendors([`vendors/${vendor}.yaml`]);
    const mapper = new RecordMapper(vendors[0]!.manifest);
    const event = shape.source.event !== undefined ? { event: { type: shape.source.event, userId: "u" } } : {};
    await expect(mapper.map(shape.source, shape.data, { vendorUserId: "u", fetchedAt: "2026-05-01T00:00:00.000Z", ...event })).resolves.toEqual([]);
  });
});
