import { systemClock, type Clock } from "../../clock.js";
import type { ReplayCache } from "../../ports/replay-cache.js";

export class MemoryReplayCache implements ReplayCache {
  private readonly expiresAtByKey = new Map<string, number>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async firstSeen(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.clock();
    const expiresAt = this.expiresAtByKey.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (this.expiresAtByKey.size >= 10_000) this.dropExpired(now);
    this.expiresAtByKey.set(key, now + ttlSeconds * 1_000);
    return true;
  }

  async forget(key: string): Promise<void> {
    this.expiresAtByKey.delete(key);
  }

  private dropExpired(now: number): void {
    for (const [key, expiresAt] of this.expiresAtByKey) if (expiresAt <= now) this.expiresAtByKey.delete(key);
  }
}
