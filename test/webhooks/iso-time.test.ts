// occurredAt normalisation: the fast path for plain UTC strings must give exactly what a Date round trip gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoFromMillis, parseIsoTime, toIsoTime } from "../../engine/iso-time.js";

const viaDate = (value: string): string | undefined => {
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
};

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** YYYY-MM-DDThh:mm:ss with fields reaching past their ranges (month 13, day 32, hour 25, ...), then one of `fractions` and `zones`. */
function writtenTimes(fractions: string[], zones: string[]): fc.Arbitrary<string> {
  return fc
    .record({
      year: fc.integer({ min: 0, max: 9999 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 60 }),
      fraction: fc.constantFrom(...fractions),
      zone: fc.constantFrom(...zones),
    })
    .map((t) => `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${t.fraction}${t.zone}`);
}

describe("toIsoTime", () => {
  it("gives what a Date round trip gives, for any written time (impossible days, offsets, fractions included)", () => {
    const written = writtenTimes(["", ".5", ".123", ".1234", ".000"], ["Z", "+00:00", "-00:00", "+02:00", "-05:30", "", "z"]);
    fc.assert(
      fc.property(written, (value) => {
        expect(toIsoTime(value)).toBe(viaDate(value));
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps plain UTC times as they are and adds milliseconds where missing", () => {
    expect(toIsoTime("2018-05-15T14:22:24Z")).toBe("2018-05-15T14:22:24.000Z");
    expect(toIsoTime("2026-07-04T08:00:00+00:00")).toBe("2026-07-04T08:00:00.000Z");
    expect(toIsoTime("2026-07-04T08:00:00.250Z")).toBe("2026-07-04T08:00:00.250Z");
    expect(toIsoTime("2026-02-30T08:00:00Z")).toBe("2026-03-02T08:00:00.000Z");
  });

  it("reads numbers as Unix seconds, or milliseconds when too large for seconds, and refuses what no Date holds", () => {
    expect(toIsoTime(1_530_576_000)).toBe("2018-07-03T00:00:00.000Z");
    expect(toIsoTime(1_702_729_200_000)).toBe("2023-12-16T12:20:00.000Z");
    expect(toIsoTime(9e15)).toBeUndefined();
    expect(toIsoTime("yesterday")).toBeUndefined();
    expect(toIsoTime(Number.NaN)).toBeUndefined();
    expect(toIsoTime({})).toBeUndefined();
  });
});

describe("isoFromMillis", () => {
  it("writes what Date#toISOString writes, for every time a Date holds (fractions, negatives, six-digit years)", () => {
    const times = fc.oneof(
      fc.integer({ min: -62_167_219_200_000 - 1000, max: 253_402_300_799_999 + 1000 }),
      fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
      fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
      fc.constantFrom(0, -0, -1, 0.5, -0.5, 951_782_400_000, 951_868_799_999, -62_167_219_200_000, 253_402_300_799_999, 8.64e15, -8.64e15),
    );
    fc.assert(
      fc.property(times, (ms) => {
        expect(isoFromMillis(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it("writes each of a run of times right when they move between days (the day it wrote last is reused)", () => {
    const day = 86_400_000;
    const runs = fc.array(fc.tuple(fc.integer({ min: 19_000, max: 21_000 }), fc.integer({ min: 0, max: day - 1 })), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(runs, (times) => {
        for (const [days, within] of times) expect(isoFromMillis(days * day + within)).toBe(new Date(days * day + within).toISOString());
      }),
      { numRuns: 500 },
    );
  });

  it("gives nothing where no Date holds the time", () => {
    expect(isoFromMillis(8.64e15 + 1)).toBeUndefined();
    expect(isoFromMillis(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(isoFromMillis(Number.NaN)).toBeUndefined();
  });
});

describe("parseIsoTime", () => {
  it("gives what Date.parse gives, for any written time (impossible fields, offsets, long fractions, other layouts)", () => {
    const written = writtenTimes(
      ["", ".", ".5", ".12", ".123", ".1234", ".000", ".9999999", ".1239999999999999999999", ".12a"],
      ["Z", "z", "", "+00:00", "-00:00", "+02:00", "-05:30", "+14:00", "+23:59", "+24:00", "+01:60", "+0100", "+1:00", "Z ", "ZZ"],
    );
    const mangled = fc.tuple(written, fc.nat(30), fc.constantFrom("x", " ", "-", ":", "T", "1", "")).map(([text, at, insert]) => text.slice(0, at) + insert + text.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(written, mangled, fc.string()), (text) => {
        expect(Object.is(parseIsoTime(text), Date.parse(text))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads the layout vendors send without a detour", () => {
    expect(parseIsoTime("2026-05-24T23:18:00-04:00")).toBe(Date.UTC(2026, 4, 25, 3, 18));
    expect(parseIsoTime("2026-05-24T23:18:00.1239Z")).toBe(Date.UTC(2026, 4, 24, 23, 18, 0, 123));
    expect(parseIsoTime("0050-01-01T00:00:00Z")).toBe(Date.parse("0050-01-01T00:00:00Z"));
    expect(parseIsoTime("2026-05-24T23:18:00")).toBe(Date.parse("2026-05-24T23:18:00"));
    expect(parseIsoTime("tomorrow")).toBeNaN();
  });
});
