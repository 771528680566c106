import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../clock.js";
import type { Lease, LeaseManager } from "../../ports/lease.js";

export class MemoryLeaseManager implements LeaseManager {
  private readonly leases = new Map<string, Lease>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async tryAcquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.clock();
    const held = this.leases.get(key);
    if (held && held.expiresAt > now) return undefined;
    const lease: Lease = { key, owner: randomUUID(), expiresAt: now + ttlMs };
    this.leases.set(key, lease);
    return { ...lease };
  }

  async release(lease: Lease): Promise<void> {
    if (this.leases.get(lease.key)?.owner === lease.owner) this.leases.delete(lease.key);
  }
}
