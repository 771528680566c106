// Rate-limit headers with several windows in one header (Strava: X-RateLimit-Limit "200,2000", X-RateLimit-Usage
// "12,300": the 15-minute window, then the daily one; 15-minute windows reset at :00/:15/:30/:45, days at midnight UTC).
import { describe, expect, it } from "vitest";
import { readRateLimitSignal } from "../../engine/api/rate-limit-headers.js";

const names = { limit: "X-RateLimit-Limit", usage: "X-RateLimit-Usage" };
const windows = [
  { limit: 200, periodSeconds: 900, per: "app" as const },
  { limit: 2000, periodSeconds: 86400, per: "app" as const },
];
const now = Date.UTC(2026, 10, 30, 10, 7, 30);

describe("multi-window rate-limit headers", () => {
  it("reads each window with the usage at the same position; remaining is the smallest", () => {
    const signal = readRateLimitSignal(new Headers({ "x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "12,300" }), names, now, windows);
    expect(signal).toEqual({ limit: 200, remaining: 188 });
    const dailyTight = readRateLimitSignal(new Headers({ "x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "12,1995" }), names, now, windows);
    expect(dailyTight.remaining).toBe(5);
  });

  it("a used-up 15-minute window resets at the next quarter hour", () => {
    const signal = readRateLimitSignal(new Headers({ "x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "200,300" }), names, now, windows);
    expect(signal).toEqual({ limit: 200, remaining: 0, resetAt: Date.UTC(2026, 10, 30, 10, 15, 0) });
  });

  it("a used-up day resets at midnight UTC, and when both are used up the later reset wins", () => {
    const daily = readRateLimitSignal(new Headers({ "x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "150,2000" }), names, now, windows);
    expect(daily.resetAt).toBe(Date.UTC(2026, 11, 1, 0, 0, 0));
    const both = readRateLimitSignal(new Headers({ "x-ratelimit-limit": "200,2000", "x-ratelimit-usage": "201,2004" }), names, now, windows);
    expect(both).toMatchObject({ remaining: 0, resetAt: Date.UTC(2026, 11, 1, 0, 0, 0) });
  });

  it("reads a remaining list as well as a usage list, and a single window with usage", () => {
    const remaining = readRateLimitSignal(new Headers({ l: "200,2000", r: "0,1700" }), { limit: "l", remaining: "r" }, now, windows);
    expect(remaining).toEqual({ limit: 200, remaining: 0, resetAt: Date.UTC(2026, 10, 30, 10, 15, 0) });
    const single = readRateLimitSignal(new Headers({ l: "200", u: "50" }), { limit: "l", usage: "u" }, now, windows);
    expect(single).toEqual({ limit: 200, remaining: 150 });
  });

  it("leaves WHOOP's annotated list (first value) and malformed values alone", () => {
    const whoop = readRateLimitSignal(new Headers({ l: "100, 100;window=60, 10000;window=86400" }), { limit: "l" }, now);
    expect(whoop).toEqual({ limit: 100 });
    const junk = readRateLimitSignal(new Headers({ l: "200,abc", u: "x,y" }), { limit: "l", usage: "u" }, now, windows);
    expect(junk).toEqual({ limit: 200 });
  });

  // Wahoo: "X-RateLimit-Limit: <day>, <hour>, <5min>", the remaining list in the same order, and one reset value,
  // the seconds until the used-up window resets (its docs' samples, below).
  describe("one reset value beside several windows (Wahoo)", () => {
    const wahoo = { limit: "X-RateLimit-Limit", remaining: "X-RateLimit-Remaining", reset: "X-RateLimit-Reset", resetUnit: "seconds" as const };
    const wahooWindows = [
      { limit: 5000, periodSeconds: 86400, per: "app" as const },
      { limit: 1000, periodSeconds: 3600, per: "app" as const },
      { limit: 200, periodSeconds: 300, per: "app" as const },
    ];

    it("a successful response: the smallest remaining, no pause (Reset: 0)", () => {
      const headers = new Headers({ "X-RateLimit-Limit": "5000, 1000, 200", "X-RateLimit-Remaining": "4999, 999, 199", "X-RateLimit-Reset": "0" });
      expect(readRateLimitSignal(headers, wahoo, now, wahooWindows)).toEqual({ limit: 200, remaining: 199 });
    });

    it("a rate-limited response: the used-up 5-minute window resets after the reset header's seconds", () => {
      const headers = new Headers({ "X-RateLimit-Limit": "5000, 1000, 200", "X-RateLimit-Remaining": "4800, 800, 0", "X-RateLimit-Reset": "300" });
      expect(readRateLimitSignal(headers, wahoo, now, wahooWindows)).toEqual({ limit: 200, remaining: 0, resetAt: now + 300_000 });
    });

    it("a used-up day takes the same single reset value, not the 5-minute boundary", () => {
      const headers = new Headers({ "X-RateLimit-Limit": "5000, 1000, 200", "X-RateLimit-Remaining": "0, 800, 150", "X-RateLimit-Reset": "50000" });
      expect(readRateLimitSignal(headers, wahoo, now, wahooWindows)).toEqual({ limit: 200, remaining: 0, resetAt: now + 50_000_000 });
    });

    it("without a reset header a used-up window still waits for its own boundary", () => {
      const headers = new Headers({ "X-RateLimit-Limit": "5000, 1000, 200", "X-RateLimit-Remaining": "4800, 800, 0" });
      expect(readRateLimitSignal(headers, wahoo, now, wahooWindows).resetAt).toBe(Date.UTC(2026, 10, 30, 10, 10, 0));
    });
  });
});
