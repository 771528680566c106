import { systemClock, type Clock } from "../../clock.js";
import type { RateLimiter, RateWindow, TakeResult } from "../../ports/rate-limiter.js";
import { pauseRefusal, takeFromBuckets, validateTake, windowId, type BucketState } from "./token-bucket.js";

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async take(key: string, windows: readonly RateWindow[], cost = 1): Promise<TakeResult> {
    validateTake(windows, cost);
    const now = this.clock();
    const paused = pauseRefusal(this.pausedUntil.get(key), now);
    if (paused) return paused;
    const bucketKeys = windows.map((window) => `${key}\u0000${windowId(window)}`);
    const decision = takeFromBuckets(windows, bucketKeys.map((bucketKey) => this.buckets.get(bucketKey)), cost, now);
    decision.next?.forEach((state, index) => this.buckets.set(bucketKeys[index]!, state));
    return decision.result;
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    this.pausedUntil.set(key, Math.max(untilMs, this.pausedUntil.get(key) ?? 0));
  }
}
