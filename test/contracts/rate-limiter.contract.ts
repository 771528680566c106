import { describe, expect, it } from "vitest";
import type { RateLimiter, RateWindow, TakeResult } from "../../engine/ports/rate-limiter.js";
import { fulfilledValues, runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

/** A window so slow that it does not refill noticeably during a real-time test. */
const fivePerMinute: RateWindow = { limit: 5, periodSeconds: 60 };

function retryIn(result: TakeResult): number {
  if (result.granted) throw new Error("expected the take to be refused");
  return result.retryInMs;
}

async function takeRepeatedly(limiter: RateLimiter, key: string, windows: readonly RateWindow[], times: number): Promise<TakeResult[]> {
  const results: TakeResult[] = [];
  for (let index = 0; index < times; index += 1) results.push(await limiter.take(key, windows));
  return results;
}

const grantedCount = (results: readonly TakeResult[]) => results.filter((result) => result.granted).length;

export function describeRateLimiterContract(backendName: string, makeSubject: HarnessFactory<RateLimiter>): void {
  describe(`RateLimiter contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const limiter = () => harness().subject;
    const time = () => testTimeOf(harness());

    it("grants up to the limit, then refuses", async () => {
      const key = uniqueName("bucket");
      const results = await takeRepeatedly(limiter(), key, [fivePerMinute], 7);
      expect(results.map((result) => result.granted)).toEqual([true, true, true, true, true, false, false]);
    });

    it("keeps keys apart", async () => {
      const first = uniqueName("bucket");
      await takeRepeatedly(limiter(), first, [fivePerMinute], 5);
      expect((await limiter().take(first, [fivePerMinute])).granted).toBe(false);
      expect((await limiter().take(uniqueName("bucket"), [fivePerMinute])).granted).toBe(true);
    });

    it("charges the cost", async () => {
      const key = uniqueName("bucket");
      expect((await limiter().take(key, [fivePerMinute], 3)).granted).toBe(true);
      expect((await limiter().take(key, [fivePerMinute], 3)).granted).toBe(false);
      expect((await limiter().take(key, [fivePerMinute], 2)).granted).toBe(true);
      expect((await limiter().take(key, [fivePerMinute], 1)).granted).toBe(false);
    });

    it("grants exactly the limit to 20 concurrent takers", async () => {
      const key = uniqueName("bucket");
      const results = await runConcurrently(20, () => limiter().take(key, [fivePerMinute]));
      expect(results.every((result) => result.status === "fulfilled")).toBe(true);
      expect(grantedCount(fulfilledValues(results))).toBe(5);
    });

    it("says when to retry, and grants once that time has passed", async () => {
      const clock = time();
      if (!clock.controllable) return; // five takes must land within a fraction of a second: a loaded machine cannot promise that
      const key = uniqueName("bucket");
      const perSecond: RateWindow = { limit: 5, periodSeconds: 1 };
      await takeRepeatedly(limiter(), key, [perSecond], 5);
      const wait = retryIn(await limiter().take(key, [perSecond]));
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1_000);
      await clock.pass(wait);
      expect((await limiter().take(key, [perSecond])).granted).toBe(true);
    });

    it("a burst caps what is taken at once, and the rate stays the limit per period", async () => {
      const clock = time();
      if (!clock.controllable) return; // needs several takes within a tenth of a second: a loaded machine cannot promise that
      const key = uniqueName("bucket");
      const burst: RateWindow = { limit: 10, periodSeconds: 1, burst: 4 };
      expect((await takeRepeatedly(limiter(), key, [burst], 6)).map((result) => result.granted)).toEqual([true, true, true, true, false, false]);
      const wait = retryIn(await limiter().take(key, [burst]));
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(100); // one token takes a tenth of a second: the rate is 10 per second
      await clock.pass(1_000);
      expect(grantedCount(await takeRepeatedly(limiter(), key, [burst], 6))).toBe(4); // refilled to the burst, not the limit
    });

    it("enforces every window together (5 per second and 8 per 10 seconds)", async () => {
      const clock = time();
      if (!clock.controllable) return; // needs several takes within one second: a loaded machine cannot promise that
      const key = uniqueName("bucket");
      const windows: RateWindow[] = [
        { limit: 5, periodSeconds: 1 },
        { limit: 8, periodSeconds: 10 },
      ];
      expect(grantedCount(await takeRepeatedly(limiter(), key, windows, 6))).toBe(5);
      await clock.pass(1_000);
      // The per-second window is full again, but the 10-second window only has 3 (+0.8 refilled) left.
      const afterOneSecond = await takeRepeatedly(limiter(), key, windows, 4);
      expect(afterOneSecond.map((result) => result.granted)).toEqual([true, true, true, false]);
      const wait = retryIn(afterOneSecond[3]!);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1_250);
    });

    it("takes nothing from any window when one of them refuses", async () => {
      const clock = time();
      if (!clock.controllable) return; // needs several takes within one second: a loaded machine cannot promise that
      const key = uniqueName("bucket");
      const slow: RateWindow = { limit: 3, periodSeconds: 100 };
      const fast: RateWindow = { limit: 2, periodSeconds: 1 };
      expect(grantedCount(await takeRepeatedly(limiter(), key, [slow, fast], 2))).toBe(2);
      // Refused by the fast window; must not spend the slow window's last token.
      expect(grantedCount(await takeRepeatedly(limiter(), key, [slow, fast], 3))).toBe(0);
      await clock.pass(1_000);
      expect((await limiter().take(key, [slow, fast])).granted).toBe(true);
      const refused = await limiter().take(key, [slow, fast]);
      expect(retryIn(refused)).toBeGreaterThan(1_000);
    });

    it("refuses every take while paused, without spending tokens", async () => {
      const clock = time();
      const key = uniqueName("bucket");
      const pauseMs = clock.controllable ? 30_000 : 2_000; // real time: long enough for a slow backend call under load
      await limiter().pauseUntil(key, clock.now() + pauseMs);
      const refused = await limiter().take(key, [fivePerMinute]);
      const wait = retryIn(refused);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(pauseMs);
      expect((await limiter().take(uniqueName("bucket"), [fivePerMinute])).granted).toBe(true);
      await clock.pass(pauseMs + 10);
      expect(grantedCount(await takeRepeatedly(limiter(), key, [fivePerMinute], 6))).toBe(5);
    });

    it("keeps a partly spent bucket across the stores' sweeps of full ones, and forgets only full ones", async () => {
      const clock = time();
      if (!clock.controllable) return; // needs minutes of simulated time
      const slow: RateWindow = { limit: 4, periodSeconds: 600 };
      const spent = uniqueName("bucket");
      const refilled = uniqueName("bucket");
      expect(grantedCount(await takeRepeatedly(limiter(), spent, [slow], 4))).toBe(4);
      expect(grantedCount(await takeRepeatedly(limiter(), refilled, [fivePerMinute], 5))).toBe(5);
      // Past any sweep interval: the one-minute bucket is full again, the ten-minute one has one token back.
      await clock.pass(150_000);
      await limiter().take(uniqueName("bucket"), [fivePerMinute]);
      expect(grantedCount(await takeRepeatedly(limiter(), spent, [slow], 3))).toBe(1);
      expect(grantedCount(await takeRepeatedly(limiter(), refilled, [fivePerMinute], 7))).toBe(5);
    });

    it("ignores a pause that has already ended", async () => {
      const clock = time();
      const key = uniqueName("bucket");
      await limiter().pauseUntil(key, clock.now() - 1_000);
      expect((await limiter().take(key, [fivePerMinute])).granted).toBe(true);
    });

    it("never grants more than the windows allow over time", async () => {
      const clock = time();
      if (!clock.controllable) return; // needs many steps of simulated time
      const key = uniqueName("bucket");
      const windows: RateWindow[] = [
        { limit: 5, periodSeconds: 1 },
        { limit: 20, periodSeconds: 10 },
      ];
      const grantTimes: number[] = [];
      const start = clock.now();
      for (let step = 0; step < 300; step += 1) {
        while ((await limiter().take(key, windows)).granted) grantTimes.push(clock.now() - start);
        await clock.pass(100);
      }
      // A token bucket holds at most `limit` and refills at limit/period: over any span T,
      // it can grant at most limit + T * limit / period.
      for (const [index, from] of grantTimes.entries()) {
        for (const window of windows) {
          const periodMs = window.periodSeconds * 1_000;
          const within = grantTimes.slice(index).filter((at) => at - from < periodMs).length;
          expect(within).toBeLessThanOrEqual(window.limit * 2);
        }
      }
      const total = grantTimes.length;
      expect(total).toBeLessThanOrEqual(20 + (30_000 * 20) / 10_000);
      // ... and it does not starve the caller either.
      expect(total).toBeGreaterThanOrEqual(70);
    });
  });
}
