import { systemClock, type Clock } from "../../clock.js";
import type { ReplayCache } from "../../ports/replay-cache.js";
import { guard, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";

const SWEEP_EVERY_CALLS = 500;

export class SqliteReplayCache implements ReplayCache {
  private readonly clock: Clock;
  private readonly statements;
  private callsSinceSweep = 0;

  constructor(database: SqliteDatabase, options: { clock?: Clock } = {}) {
    const db = sqliteConnection(database);
    this.clock = options.clock ?? systemClock;
    this.statements = {
      // Inserts a new key, or takes over an expired one; a live key is left alone (0 changes).
      record: db.prepare<{ key: string; now: number; expires_at: number }>(
        `INSERT INTO replay_keys (key, expires_at) VALUES (@key, @expires_at)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= @now`,
      ),
      forget: db.prepare<[string]>(`DELETE FROM replay_keys WHERE key = ?`),
      sweep: db.prepare<[number]>(
        `DELETE FROM replay_keys WHERE key IN (SELECT key FROM replay_keys WHERE expires_at <= ? LIMIT 1000)`,
      ),
    };
  }

  async firstSeen(key: string, ttlSeconds: number): Promise<boolean> {
    return this.firstSeenNow(key, ttlSeconds);
  }

  firstSeenNow(key: string, ttlSeconds: number): boolean {
    return guard(() => this.recordIfNew(key, ttlSeconds, this.clock()));
  }

  /** `firstSeen` as a statement of the caller's transaction (the ingest store's); throws SQLite errors as they are. */
  recordIfNew(key: string, ttlSeconds: number, now: number): boolean {
    if (++this.callsSinceSweep >= SWEEP_EVERY_CALLS) {
      this.callsSinceSweep = 0;
      this.statements.sweep.run(now);
    }
    return this.statements.record.run({ key, now, expires_at: now + ttlSeconds * 1_000 }).changes === 1;
  }

  async forget(key: string): Promise<void> {
    guard(() => this.statements.forget.run(key));
  }
}
