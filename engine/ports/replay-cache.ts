export interface ReplayCache {
  /**
   * Atomically records `key` for `ttlSeconds`. True the first time a key is seen within its TTL,
   * false for every later call, across every process sharing the backend.
   */
  firstSeen(key: string, ttlSeconds: number): Promise<boolean>;
  /** Removes `key`, so that a delivery whose events could not be stored is accepted when the vendor retries it. */
  forget(key: string): Promise<void>;
}
