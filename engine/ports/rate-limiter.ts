/** One token-bucket window: `limit` requests per `periodSeconds`. */
export interface RateWindow {
  readonly limit: number;
  readonly periodSeconds: number;
  /** The most requests taken at once (the bucket's capacity), 1 to limit; default limit. The refill rate stays limit per period. */
  readonly burst?: number;
}

export type TakeResult = { readonly granted: true } | { readonly granted: false; readonly retryInMs: number };

export interface RateLimiter {
  /**
   * Takes `cost` tokens from every window of bucket `key` at once, or none (all windows enforced together).
   * When refused, `retryInMs` is how long until the tightest window has enough tokens.
   */
  take(key: string, windows: readonly RateWindow[], cost?: number): Promise<TakeResult>;
  /** The vendor said stop (429, or remaining 0): refuse every take on `key` until `untilMs`. */
  pauseUntil(key: string, untilMs: number): Promise<void>;
}
