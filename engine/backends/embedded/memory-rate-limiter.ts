import { systemClock, type Clock } from "../../clock.js";
import type { RateLimiter, RateWindow, TakeResult } from "../../ports/rate-limiter.js";
import { fullAt, pauseRefusal, PRUNE_INTERVAL_MS, takeFromBuckets, validateTake, windowId, type BucketState } from "./token-bucket.js";

interface StoredBucket extends BucketState {
  readonly fullAt: number;
}

/** Token buckets in this process. Full buckets and past pauses are swept out now and then, like the SQLite ones. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, StoredBucket>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly clock: Clock;
  private nextPruneAt = 0;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async take(key: string, windows: readonly RateWindow[], cost = 1): Promise<TakeResult> {
    validateTake(windows, cost);
    const now = this.clock();
    if (now >= this.nextPruneAt) this.prune(now);
    const paused = pauseRefusal(this.pausedUntil.get(key), now);
    if (paused) return paused;
    const bucketKeys = windows.map((window) => `${key}\u0000${windowId(window)}`);
    const decision = takeFromBuckets(windows, bucketKeys.map((bucketKey) => this.buckets.get(bucketKey)), cost, now);
    decision.next?.forEach((state, index) => this.buckets.set(bucketKeys[index]!, { ...state, fullAt: fullAt(windows[index]!, state) }));
    return decision.result;
  }

  /** Buckets and pauses held now: full buckets and past pauses are gone within a sweep interval. */
  get size(): number {
    return this.buckets.size + this.pausedUntil.size;
  }

  private prune(now: number): void {
    for (const [bucketKey, bucket] of this.buckets) if (bucket.fullAt <= now) this.buckets.delete(bucketKey);
    for (const [key, until] of this.pausedUntil) if (until <= now) this.pausedUntil.delete(key);
    this.nextPruneAt = now + PRUNE_INTERVAL_MS;
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    this.pausedUntil.set(key, Math.max(untilMs, this.pausedUntil.get(key) ?? 0));
  }
}
