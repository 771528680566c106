import fc from "fast-check";
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
    // twice: the second answer comes from the cache of names that are no zone
    for (let i = 0; i < 2; i++) expect(() => f.offsetAt(0, "Not/AZone")).toThrow(/\$offsetAt/);
    // offsetInZone: the same offsets, and none (not an error) for a name that is no time zone
    expect(f.offsetInZone("2018-10-23T09:00:00.000Z", "America/Denver")).toBe("-06:00");
    expect(f.offsetInZone("2018-12-23T09:00:00.000Z", "America/Denver")).toBe("-07:00");
    for (let i = 0; i < 2; i++) expect(f.offsetInZone("2018-10-23T09:00:00.000Z", "Mountain Time (US & Canada)")).toBeUndefined();
    expect(f.offsetInZone("not a time", "America/Denver")).toBeUndefined();
    expect(f.offsetInZone("2018-10-23T09:00:00.000Z", "")).toBeUndefined();
    expect(f.offsetInZone("2018-10-23T09:00:00.000Z", null)).toBeUndefined();
    expect(f.offsetInZone(undefined, "Europe/Paris")).toBeUndefined();
  });

  it("reads ISO 8601 durations and evenly spaced series", () => {
    expect(f.durationSeconds("PT2H44M")).toBe(9840);
    expect(f.durationSeconds("PT20H55M59S")).toBe(75359);
    expect(f.durationSeconds("P1DT0.5S")).toBe(86400.5);
    expect(() => f.durationSeconds("P1Y")).toThrow();
    // Google's protobuf JSON durations, the UTC offsets of Google Health negative west of UTC
    expect(f.durationSeconds("1920s")).toBe(1920);
    // proto3 durations of any precision: the number rounded to milliseconds as toFixed(3) rounds it
    for (const text of ["0s", "-0s", "-0.000s", "1.5s", "0.001s", "0.0005s", "1.0005s", "2.9999999s", "-3.25s", "999999999999.999s", "123.456789s", "60.1s"]) {
      expect(f.durationSeconds(text), text).toBe(Number(Number(text.slice(0, -1)).toFixed(3)));
    }
    expect(f.durationSeconds("-14400s")).toBe(-14400);
    expect(f.durationSeconds("0.250000001s")).toBe(0.25);
    expect(() => f.durationSeconds("-PT1H")).toThrow(/\$durationSeconds/);
    expect(() => f.durationSeconds("14400")).toThrow(/\$durationSeconds/);
    expect(f.series("2022-08-09T23:29:41.000-04:00", 300, [51, null, 50])).toEqual([
      { dateTime: "2022-08-10T03:29:41.000Z", value: 51 },
      { dateTime: "2022-08-10T03:39:41.000Z", value: 50 },
    ]);
  });

  it("takes the user's local date at an instant, and dates given as parts", () => {
    expect(f.localDate("2026-05-24T03:58:00Z", -14400)).toBe("2026-05-23");
    expect(f.localDate("2026-05-24T04:05:00Z", "-04:00")).toBe("2026-05-24");
    expect(f.localDate("2026-05-24T20:00:00.5Z", "+05:30")).toBe("2026-05-25");
    expect(f.localDate(undefined, 0)).toBeUndefined();
    expect(() => f.localDate("2026-05-24T04:05:00", 0)).toThrow(/\$utc/);
    expect(() => f.localDate("2026-05-24T04:05:00Z", "EST")).toThrow(/\$localDate/);
    expect(() => f.localDate("2026-05-24T04:05:00Z", 20 * 3600)).toThrow(/\$offsetFromSeconds/);
    expect(f.dateOf({ year: 2026, month: 5, day: 4 })).toBe("2026-05-04");
    expect(f.dateOf(undefined)).toBeUndefined();
    expect(() => f.dateOf({ year: 2026, month: 2, day: 30 })).toThrow(/\$dateOf/);
    // every day of 1896-2104 and a few far years, against Date's calendar: leap years, centuries, month lengths
    for (const year of [1, 99, 400, 1700, 1896, 1900, 2000, 2023, 2024, 2100, 2104, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 28; day <= 32; day++) {
          const text = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
          const parsed = Date.parse(`${text}T00:00:00Z`);
          const real = !Number.isNaN(parsed) && new Date(parsed).toISOString().startsWith(text);
          if (real) expect(f.dateOf({ year, month, day })).toBe(text);
          else expect(() => f.dateOf({ year, month, day }), text).toThrow(/\$dateOf/);
        }
      }
    }
    expect(() => f.dateOf({ year: 2026, month: 5 })).toThrow(/\$dateOf/);
    expect(() => f.dateOf("2026-05-04")).toThrow(/\$dateOf/);
  });

  it("keeps the distinct strings and numbers of a list in first-seen order", () => {
    expect(f.unique(["b", "a", "b", 1, 1])).toEqual(["b", "a", 1]);
    expect(f.unique("a")).toEqual(["a"]);
    expect(f.unique(undefined)).toBeUndefined();
    expect(() => f.unique([{ a: 1 }])).toThrow(/\$unique/);
    expect(() => f.unique([Number.NaN])).toThrow(/\$unique/);
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

  it("takes Garmin's TRACK_CYCLING and CYCLOCROSS as cycling, TRACK_RUNNING still as running", () => {
    expect(["TRACK_CYCLING", "CYCLOCROSS", "TRACK_RUNNING"].map(f.sport)).toEqual(["cycling", "cycling", "running"]);
  });

  it("reads CamelCase sport names (Strava's sport_type) as words, and tells a walk on a treadmill or water skiing apart", () => {
    const names = ["TrailRun", "VirtualRun", "MountainBikeRide", "EBikeRide", "GravelRide", "WeightTraining", "AlpineSki", "BackcountrySki", "Snowboard", "VirtualRow", "Treadmill Walking", "Water Skiing", "Jet Ski"];
    expect(names.map(f.sport)).toEqual(["running", "running", "cycling", "cycling", "cycling", "strength_training", "skiing", "skiing", "skiing", "rowing", "walking", "other", "other"]);
  });
});

describe("record time helpers against their definitions", () => {
  const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/;
  const outcome = (run: () => unknown) => {
    try {
      return { value: run() };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  /** $utc and $offsetOf as first written: the offset found by a pattern, the instant by Date.parse. */
  const reference = {
    utc: (value: string) => (OFFSET.test(value) && !Number.isNaN(Date.parse(value)) ? new Date(Date.parse(value)).toISOString() : "invalid"),
    offsetOf: (value: string) => {
      const offset = OFFSET.exec(value)?.[1];
      if (offset === undefined) return "invalid";
      return offset === "Z" ? "+00:00" : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
    },
  };
  const texts = fc.oneof(
    fc.tuple(fc.constantFrom("2026-05-24T23:18:00", "2026-05-24T23:18:00.5", "2026-02-29T10:00:00", "x", ""), fc.constantFrom("Z", "+02:00", "-0530", "+2:00", "+02:0", "z", "", "+02:00Z", "-12:34", "1234", "+1234")).map(([a, b]) => a + b),
    fc.stringMatching(/^[0-9T:+\-Z.]{0,12}$/),
  );

  it("$utc and $offsetOf find the offset and the instant as the pattern and Date.parse did", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const utc = outcome(() => f.utc(text));
        const offset = outcome(() => f.offsetOf(text));
        expect(utc.error !== undefined ? "invalid" : utc.value).toBe(reference.utc(text));
        expect(offset.error !== undefined ? "invalid" : offset.value).toBe(reference.offsetOf(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("$clockSeries reads hh:mm and hh:mm:ss keys as the pattern /^(\\d{2}):(\\d{2})(?::(\\d{2}))?$/ does, and refuses the rest", () => {
    const CLOCK = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;
    const start = "2026-05-24T23:10:30+02:00";
    const midnight = Date.parse("2026-05-24T00:00:00+02:00");
    const key = fc.oneof(fc.stringMatching(/^[0-9:a ]{0,9}$/), fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.option(fc.integer({ min: 0, max: 99 }))).map(([h, m, sec]) => [h, m, ...(sec === null ? [] : [sec])].map((n) => String(n).padStart(2, "0")).join(":")));
    fc.assert(
      fc.property(key, (clock) => {
        const match = CLOCK.exec(clock);
        const result = outcome(() => f.clockSeries(start, { [clock]: 1 }));
        if (!match) {
          expect(result.error).toMatch(/clockSeries/);
          return;
        }
        const minute = Number(match[1]) * 60 + Number(match[2]);
        const day = minute < 23 * 60 + 10 ? 1 : 0;
        expect(result.value).toEqual([{ dateTime: new Date(midnight + (day * 1440 + minute) * 60_000 + Number(match[3] ?? 0) * 1000).toISOString(), value: 1 }]);
      }),
      { numRuns: 3000 },
    );
  });

  it("$clockSegments cuts a night from its clock keys, its first stage starting no earlier than the night", () => {
    const stages = { "23:10": 1, "23:40": 2, "01:05": 3, "06:55": 4 };
    expect(f.clockSegments("2026-05-24T23:10:30+02:00", "2026-05-25T07:00:00+02:00", stages)).toEqual([
      { startDateTime: "2026-05-24T21:10:30.000Z", endDateTime: "2026-05-24T21:40:00.000Z", value: 1 },
      { startDateTime: "2026-05-24T21:40:00.000Z", endDateTime: "2026-05-24T23:05:00.000Z", value: 2 },
      { startDateTime: "2026-05-24T23:05:00.000Z", endDateTime: "2026-05-25T04:55:00.000Z", value: 3 },
      { startDateTime: "2026-05-25T04:55:00.000Z", endDateTime: "2026-05-25T05:00:00.000Z", value: 4 },
    ]);
    // A segment the night's start leaves empty is dropped.
    expect(f.clockSegments("2026-05-24T23:10:30+02:00", "2026-05-25T07:00:00+02:00", { "23:10": 1, "23:11": 2 })).toEqual([
      { startDateTime: "2026-05-24T21:10:30.000Z", endDateTime: "2026-05-24T21:11:00.000Z", value: 1 },
      { startDateTime: "2026-05-24T21:11:00.000Z", endDateTime: "2026-05-25T05:00:00.000Z", value: 2 },
    ]);
    expect(f.clockSegments("2026-05-24T23:10:30+02:00", "2026-05-24T23:10:30+02:00", { "23:10": 1 })).toEqual([]);
    expect(() => f.clockSegments("2026-05-25T07:00:00+02:00", "2026-05-24T23:00:00+02:00", stages)).toThrow(/clockSegments/);
  });
  it("$measured keeps finite numbers only, $list always gives a list", () => {
    expect(f.measured(0)).toBe(0);
    expect(f.measured(-1.5)).toBe(-1.5);
    for (const missing of [undefined, null, "High", "97", true, Number.NaN, Number.POSITIVE_INFINITY, {}, [1]]) expect(f.measured(missing)).toBeUndefined();
    expect(f.list(undefined)).toEqual([]);
    expect(f.list(null)).toEqual([]);
    expect(f.list({ stage: "deep" })).toEqual([{ stage: "deep" }]);
    const items = [{ stage: "deep" }, { stage: "rem" }];
    expect(f.list(items)).toBe(items);
  });
});
