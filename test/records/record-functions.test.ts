import { describe, expect, it } from "vitest";
import { RECORD_FUNCTIONS as f } from "../../engine/records/functions.js";

describe("record mapping helpers", () => {
  it("converts between UCUM units of one dimension and refuses across dimensions or unknown units", () => {
    expect(f.kjToKcal(1832.74)).toBe(438.035372849);
    expect(f.convert(1, "[mi_i]", "m")).toBe(1609.344);
    expect(f.convert(75450, "g", "kg")).toBe(75.45);
    expect(f.convert(98.6, "[degF]", "Cel")).toBe(37);
    expect(f.convert(90, "min", "s")).toBe(5400);
    expect(f.msToS(undefined)).toBeUndefined();
    expect(() => f.convert(1, "kg", "s")).toThrow(/cannot convert/);
    expect(() => f.convert(1, "stone", "kg")).toThrow(/unknown unit/);
    expect(f.decimal(65750, -3)).toBe(65.75);
    expect(f.glucoseMgdl(5.5, "mmol/L")).toBe(99.088);
  });

  it("normalizes instants to UTC and keeps the offset", () => {
    expect(f.utc("2022-08-09T23:29:41-04:00")).toBe("2022-08-10T03:29:41.000Z");
    expect(f.offsetOf("2022-08-09T23:29:41-04:00")).toBe("-04:00");
    expect(f.offsetOf("2022-08-09T23:29:41Z")).toBe("+00:00");
    expect(f.offsetFromSeconds(-18000)).toBe("-05:00");
    expect(f.offsetFromMinutes(330)).toBe("+05:30");
    expect(f.localToUtc("2008-10-13T10:40:02", "+03:00")).toBe("2008-10-13T07:40:02.000Z");
    expect(f.fromSeconds(1584335760)).toBe("2020-03-16T05:16:00.000Z");
    expect(() => f.utc("2022-08-09T23:29:41")).toThrow(/\$utc/); // a local time without an offset is not an instant
  });

  it("takes an IANA zone's offset at the instant, across a daylight-saving change", () => {
    expect(f.offsetAt(Date.parse("2020-07-08T22:00:00Z") / 1000, "Europe/Paris")).toBe("+02:00");
    expect(f.offsetAt("2020-01-08T22:00:00Z", "Europe/Paris")).toBe("+01:00");
    expect(f.offsetAt(Date.parse("2024-03-31T00:59:00Z") / 1000, "Europe/Paris")).toBe("+01:00");
    expect(f.offsetAt(Date.parse("2024-03-31T01:00:00Z") / 1000, "Europe/Paris")).toBe("+02:00");
    expect(() => f.offsetAt(0, "Not/AZone")).toThrow(/\$offsetAt/);
  });

  it("reads ISO 8601 durations and evenly spaced series", () => {
    expect(f.durationSeconds("PT2H44M")).toBe(9840);
    expect(f.durationSeconds("PT20H55M59S")).toBe(75359);
    expect(f.durationSeconds("P1DT0.5S")).toBe(86400.5);
    expect(() => f.durationSeconds("P1Y")).toThrow();
    expect(f.series("2022-08-09T23:29:41.000-04:00", 300, [51, null, 50])).toEqual([
      { dateTime: "2022-08-10T03:29:41.000Z", value: 51 },
      { dateTime: "2022-08-10T03:39:41.000Z", value: 50 },
    ]);
  });

  it("reads samples keyed by local clock time across midnight", () => {
    expect(f.clockSeries("2020-01-01T23:50:00+03:00", { "23:55": 60, "00:05": 58, "01:00": 55 })).toEqual([
      { dateTime: "2020-01-01T20:55:00.000Z", value: 60 },
      { dateTime: "2020-01-01T21:05:00.000Z", value: 58 },
      { dateTime: "2020-01-01T22:00:00.000Z", value: 55 },
    ]);
    expect(() => f.clockSeries("2020-01-01T23:50:00+03:00", { "25:x": 1 })).toThrow(/\$clockSeries/);
  });

  it("turns a hypnogram keyed by local clock time into segments that end where the next begins", () => {
    expect(f.clockSegments("2020-01-01T23:50:30+03:00", "2020-01-02T01:10:00+03:00", { "23:50": 0, "00:20": 4, "00:55": 1 })).toEqual([
      { startDateTime: "2020-01-01T20:50:30.000Z", endDateTime: "2020-01-01T21:20:00.000Z", value: 0 },
      { startDateTime: "2020-01-01T21:20:00.000Z", endDateTime: "2020-01-01T21:55:00.000Z", value: 4 },
      { startDateTime: "2020-01-01T21:55:00.000Z", endDateTime: "2020-01-01T22:10:00.000Z", value: 1 },
    ]);
    expect(f.clockSegments("2020-01-01T23:50:30+03:00", "2020-01-02T01:10:00+03:00", undefined)).toBeUndefined();
    expect(() => f.clockSegments("2020-01-01T23:50:30+03:00", "2020-01-01T22:00:00+03:00", { "23:50": 0 })).toThrow(/\$clockSegments/);
  });

  it("folds vendor sport names into families", () => {
    expect(["running", "TRAIL_RUNNING", "ROAD_BIKING", "cycling", "WATERSPORTS_WATERSKI", "Functional Fitness", "hiking"].map(f.sport)).toEqual([
      "running",
      "running",
      "cycling",
      "cycling",
      "other",
      "strength_training",
      "hiking",
    ]);
  });

  it("reads CamelCase sport names (Strava's sport_type) as words, and tells a walk on a treadmill or water skiing apart", () => {
    const names = ["TrailRun", "VirtualRun", "MountainBikeRide", "EBikeRide", "GravelRide", "WeightTraining", "AlpineSki", "BackcountrySki", "Snowboard", "VirtualRow", "Treadmill Walking", "Water Skiing", "Jet Ski"];
    expect(names.map(f.sport)).toEqual(["running", "running", "cycling", "cycling", "cycling", "strength_training", "skiing", "skiing", "skiing", "rowing", "walking", "other", "other"]);
  });
});
