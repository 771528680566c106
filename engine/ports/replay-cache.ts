export interface ReplayCache {
  /**
   * Atomically records `key` for `ttlSeconds`. True the first time a key is seen within its TTL,
   * false for every later call, across every process sharing the backend.
   */
  firstSeen(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * `firstSeen` answered synchronously, by a cache that needs no I/O wait (memory, SQLite): the webhook path then
   * settles a delivery with one promise instead of a chain. Same semantics and errors as `firstSeen`.
   */
  firstSeenNow?(key: string, ttlSeconds: number): boolean;
  /** Removes `key`, so that a delivery whose events could not be stored is accepted when the vendor retries it. */
  forget(key: string): Promise<void>;
}
