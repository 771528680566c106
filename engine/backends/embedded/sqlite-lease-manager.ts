import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../clock.js";
import type { Lease, LeaseManager } from "../../ports/lease.js";
import { guard, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";

export class SqliteLeaseManager implements LeaseManager {
  private readonly clock: Clock;
  private readonly statements;

  constructor(database: SqliteDatabase, options: { clock?: Clock } = {}) {
    const db = sqliteConnection(database);
    this.clock = options.clock ?? systemClock;
    this.statements = {
      // Takes the key when free or lapsed; a live lease is left alone (0 changes).
      acquire: db.prepare<{ key: string; owner: string; now: number; expires_at: number }>(
        `INSERT INTO leases (key, owner, expires_at) VALUES (@key, @owner, @expires_at)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.expires_at <= @now`,
      ),
      release: db.prepare<[string, string]>(`DELETE FROM leases WHERE key = ? AND owner = ?`),
    };
  }

  async tryAcquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.clock();
    const lease: Lease = { key, owner: randomUUID(), expiresAt: now + ttlMs };
    const changes = guard(() => this.statements.acquire.run({ key, owner: lease.owner, now, expires_at: lease.expiresAt }).changes);
    return changes === 1 ? lease : undefined;
  }

  async release(lease: Lease): Promise<void> {
    guard(() => this.statements.release.run(lease.key, lease.owner));
  }
}
