import { systemClock, type Clock } from "../../clock.js";
import type { RateLimiter, RateWindow, TakeResult } from "../../ports/rate-limiter.js";

export interface BatchingRateLimiterOptions {
  /** Tokens taken from the shared bucket per round trip. */
  readonly batchSize: number;
  /**
   * Reserved tokens not used within this long are dropped (never returned: the fleet under-uses, never over-uses).
   * Keep it well under the shortest window's period, or a process could spend an old reserve next to fresh tokens.
   */
  readonly maxReserveAgeMs?: number;
  readonly clock?: Clock;
}

interface Reserve {
  tokens: number;
  readonly expiresAt: number;
}

/** How often a take waits for another take's refill before refilling itself. */
const maxRefillWaits = 3;

/**
 * Takes `batchSize` tokens at a time from a shared limiter and hands them out locally, so a busy worker makes one
 * backend call per batch instead of one per request; concurrent takes wait for one refill rather than each making
 * their own. Trade-offs: a pause set by another process is seen only when the local reserve runs out, and tokens
 * reserved but unused are lost to the fleet until the bucket refills.
 */
export class BatchingRateLimiter implements RateLimiter {
  private readonly batchSize: number;
  private readonly maxReserveAgeMs: number;
  private readonly clock: Clock;
  private readonly reserves = new Map<string, Reserve>();
  private readonly refills = new Map<string, Promise<void>>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly shared: RateLimiter,
    options: BatchingRateLimiterOptions,
  ) {
    if (!(options.batchSize >= 1)) throw new RangeError("batchSize must be at least 1");
    this.batchSize = Math.floor(options.batchSize);
    this.maxReserveAgeMs = options.maxReserveAgeMs ?? 1_000;
    this.clock = options.clock ?? systemClock;
  }

  async take(key: string, windows: readonly RateWindow[], cost = 1): Promise<TakeResult> {
    const paused = this.pausedUntil.get(key);
    if (paused !== undefined) {
      const now = this.clock();
      if (paused > now) return { granted: false, retryInMs: paused - now };
      this.pausedUntil.delete(key);
    }
    const reserveKey = `${key}\u0000${windows.map((w) => `${w.limit}/${w.periodSeconds}/${w.burst ?? w.limit}`).join(",")}`;
    for (let waits = 0; ; waits++) {
      if (this.spendReserve(reserveKey, cost)) return { granted: true };
      const refill = this.refills.get(reserveKey);
      if (!refill || waits >= maxRefillWaits) break;
      await refill;
    }
    return this.refill(key, reserveKey, windows, cost);
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    for (const reserveKey of this.reserves.keys()) {
      if (reserveKey.startsWith(`${key}\u0000`)) this.reserves.delete(reserveKey);
    }
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, untilMs));
    await this.shared.pauseUntil(key, untilMs);
  }

  private spendReserve(reserveKey: string, cost: number): boolean {
    const reserve = this.reserves.get(reserveKey);
    if (!reserve) return false;
    if (reserve.expiresAt <= this.clock()) {
      this.reserves.delete(reserveKey);
      return false;
    }
    if (reserve.tokens < cost) return false;
    reserve.tokens -= cost;
    return true;
  }

  /** Takes a batch from the shared limiter (or just `cost` when a batch does not fit) and keeps the rest. */
  private async refill(
    key: string,
    reserveKey: string,
    windows: readonly RateWindow[],
    cost: number,
  ): Promise<TakeResult> {
    const smallestLimit = Math.min(...windows.map((w) => w.burst ?? w.limit));
    const batch = Math.max(
      cost,
      Math.min(this.batchSize, Number.isFinite(smallestLimit) ? smallestLimit : this.batchSize),
    );
    if (batch > cost) {
      const taking = this.shared.take(key, windows, batch);
      const settled = taking.then(
        () => undefined,
        () => undefined,
      );
      this.refills.set(reserveKey, settled);
      try {
        const result = await taking;
        if (result.granted) {
          const leftover = this.reserves.get(reserveKey);
          const carried = leftover && leftover.expiresAt > this.clock() ? leftover.tokens : 0;
          this.reserves.set(reserveKey, {
            tokens: carried + batch - cost,
            expiresAt: this.clock() + this.maxReserveAgeMs,
          });
          return result;
        }
      } finally {
        if (this.refills.get(reserveKey) === settled) this.refills.delete(reserveKey);
      }
    }
    return this.shared.take(key, windows, cost);
  }
}
