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
});
