import type { RateWindow, TakeResult } from "../../ports/rate-limiter.js";

/** One window's bucket as persisted: tokens left at `updatedAt`. */
export interface BucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

/** Refill arithmetic may land a hair below a whole token; do not refuse for that. */
const EPSILON = 1e-9;

/** Buckets are identified by their window, so the same key may be limited by several windows. */
export function windowId(window: RateWindow): string {
  return `${window.limit}/${window.periodSeconds}s`;
}

/** The bucket's capacity: `burst` where given, else the window's limit. */
export function capacityOf(window: RateWindow): number {
  return window.burst ?? window.limit;
}

export function refill(window: RateWindow, state: BucketState | undefined, now: number): number {
  const capacity = capacityOf(window);
  if (!state) return capacity;
  const elapsed = Math.max(0, now - state.updatedAt);
  const perMs = window.limit / (window.periodSeconds * 1_000);
  return Math.min(capacity, state.tokens + elapsed * perMs);
}

/**
 * When a bucket is full again. From then on it is the same as no bucket at all, so a store may delete it: that is
 * how buckets keyed by client address stay bounded.
 */
export function fullAt(window: RateWindow, state: BucketState): number {
  const perMs = window.limit / (window.periodSeconds * 1_000);
  return state.updatedAt + Math.ceil(Math.max(0, capacityOf(window) - state.tokens) / perMs);
}

/** How often a store sweeps out full buckets and past pauses. */
export const PRUNE_INTERVAL_MS = 60_000;

export type BucketDecision =
  | { readonly result: TakeResult & { granted: true }; readonly next: BucketState[] }
  | { readonly result: TakeResult & { granted: false }; readonly next?: undefined };

/**
 * Takes `cost` from every window or from none. `states[i]` belongs to `windows[i]`.
 * When refused, `retryInMs` is when the slowest-to-refill window has enough again.
 */
export function takeFromBuckets(
  windows: readonly RateWindow[],
  states: readonly (BucketState | undefined)[],
  cost: number,
  now: number,
): BucketDecision {
  const available = windows.map((window, index) => refill(window, states[index], now));
  let retryInMs = 0;
  windows.forEach((window, index) => {
    const shortfall = cost - (available[index] ?? 0);
    if (shortfall > EPSILON) {
      const perMs = window.limit / (window.periodSeconds * 1_000);
      retryInMs = Math.max(retryInMs, Math.ceil(shortfall / perMs));
    }
  });
  if (retryInMs > 0) return { result: { granted: false, retryInMs } };
  return {
    result: { granted: true },
    next: available.map((tokens) => ({ tokens: Math.max(0, tokens - cost), updatedAt: now })),
  };
}

export function pauseRefusal(pausedUntil: number | undefined, now: number): TakeResult | undefined {
  if (pausedUntil === undefined || pausedUntil <= now) return undefined;
  return { granted: false, retryInMs: pausedUntil - now };
}

export function validateTake(windows: readonly RateWindow[], cost: number): void {
  if (!Number.isFinite(cost) || cost <= 0) throw new RangeError("rate limiter cost must be a positive number");
  for (const window of windows) {
    if (!(window.limit > 0) || !(window.periodSeconds > 0)) throw new RangeError("rate window limit and period must be positive");
    if (window.burst !== undefined && !(window.burst >= 1 && window.burst <= window.limit)) throw new RangeError("rate window burst must be 1 to limit");
  }
}
