export interface Lease {
  readonly key: string;
  readonly owner: string;
  readonly expiresAt: number;
}

/** Mutual exclusion with expiry, e.g. one token refresh per user across a fleet. A crashed holder's lease lapses. */
export interface LeaseManager {
  /** Undefined when someone else holds a live lease on `key`. */
  tryAcquire(key: string, ttlMs: number): Promise<Lease | undefined>;
  release(lease: Lease): Promise<void>;
}
