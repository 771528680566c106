import type { Clock } from "../../clock.js";

export interface DataKeyCacheLimits {
  /** A cached key is dropped this long after it came from KMS. */
  readonly maxAgeMs: number;
  /** ...or after this many uses, whichever comes first. */
  readonly maxUses: number;
  /** Least recently used keys are dropped beyond this many. */
  readonly maxEntries: number;
}

export const defaultDataKeyCacheLimits: DataKeyCacheLimits = {
  maxAgeMs: 5 * 60_000,
  maxUses: 10_000,
  maxEntries: 10_000,
};

interface Entry {
  readonly key: Buffer;
  readonly contextId: string;
  readonly createdAt: number;
  uses: number;
}

/**
 * Plaintext data keys in memory, bounded by age, uses and count; evicted keys are zeroed.
 * Each key is remembered with the encryption context KMS checked it under, and is only handed out for that context.
 */
export class DataKeyCache<Id extends string = string> {
  private readonly entries = new Map<Id, Entry>();

  constructor(
    private readonly limits: DataKeyCacheLimits,
    private readonly clock: Clock,
  ) {}

  /** A copy of the key (the caller zeroes it when done), counting one use; undefined when absent, stale or bound to another context. */
  use(id: Id, contextId: string): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.contextId !== contextId) return undefined;
    if (this.clock() - entry.createdAt >= this.limits.maxAgeMs || entry.uses >= this.limits.maxUses) {
      this.evict(id);
      return undefined;
    }
    entry.uses += 1;
    this.entries.delete(id);
    this.entries.set(id, entry);
    return Buffer.from(entry.key);
  }

  /** Stores a copy of `key` (the caller may zero its own). */
  put(id: Id, contextId: string, key: Uint8Array, usesSoFar = 0): void {
    if (this.limits.maxEntries <= 0 || this.limits.maxUses <= 0) return;
    this.evict(id);
    this.entries.set(id, { key: Buffer.from(key), contextId, createdAt: this.clock(), uses: usesSoFar });
    while (this.entries.size > this.limits.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.evict(id);
  }

  private evict(id: Id): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.key.fill(0);
    this.entries.delete(id);
  }
}
