import { systemClock, type Clock } from "../../clock.js";
import type { ReplayCache } from "../../ports/replay-cache.js";

export class MemoryReplayCache implements ReplayCache {
  private readonly expiresAtByKey = new Map<string, number>();
  private readonly clock: Clock;
  /** Sweep expired keys when the map grows past this; doubling it after a sweep keeps inserts O(1) amortised. */
  private sweepAt = 10_000;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async firstSeen(key: string, ttlSeconds: number): Promise<boolean> {
    return this.recordIfNew(key, ttlSeconds);
  }

  firstSeenNow(key: string, ttlSeconds: number): boolean {
    return this.recordIfNew(key, ttlSeconds);
  }

  /** `firstSeen`, synchronously: for the ingest store, which records the key and the jobs in one step. */
  recordIfNew(key: string, ttlSeconds: number): boolean {
    const now = this.clock();
    const expiresAt = this.expiresAtByKey.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (this.expiresAtByKey.size >= this.sweepAt) {
      this.dropExpired(now);
      this.sweepAt = Math.max(10_000, this.expiresAtByKey.size * 2);
    }
    this.expiresAtByKey.set(key, now + ttlSeconds * 1_000);
    return true;
  }

  async forget(key: string): Promise<void> {
    this.expiresAtByKey.delete(key);
  }

  private dropExpired(now: number): void {
    // forEach, not for-of: iterating entries would allocate a [key, value] pair per key, 10 000 at a time.
    this.expiresAtByKey.forEach((expiresAt, key) => {
      if (expiresAt <= now) this.expiresAtByKey.delete(key);
    });
  }
}
