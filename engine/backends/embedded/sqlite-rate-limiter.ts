import { systemClock, type Clock } from "../../clock.js";
import type { RateLimiter, RateWindow, TakeResult } from "../../ports/rate-limiter.js";
import { guard, writeTransaction, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";
import { fullAt, pauseRefusal, PRUNE_INTERVAL_MS, takeFromBuckets, validateTake, windowId, type BucketState } from "./token-bucket.js";

/** Rows one sweep deletes at most, so a sweep never holds the write lock for long. */
const PRUNE_BATCH = 1_000;

/**
 * Token buckets persisted in the shared database, so every process on the machine draws from the same limit. Full
 * buckets and past pauses are swept out now and then, so keys an attacker controls (client addresses) cannot grow the
 * table without bound.
 */
export class SqliteRateLimiter implements RateLimiter {
  private readonly clock: Clock;
  private readonly statements;
  private nextPruneAt = 0;

  constructor(
    private readonly db: SqliteDatabase,
    options: { clock?: Clock } = {},
  ) {
    const connection = sqliteConnection(db);
    this.clock = options.clock ?? systemClock;
    this.statements = {
      pausedUntil: connection.prepare<[string], { paused_until: number }>(`SELECT paused_until FROM rate_pauses WHERE key = ?`),
      bucket: connection.prepare<[string, string], { tokens: number; updated_at: number }>(
        `SELECT tokens, updated_at FROM rate_buckets WHERE key = ? AND window = ?`,
      ),
      saveBucket: connection.prepare<{ key: string; window: string; tokens: number; updated_at: number; full_at: number }>(
        `INSERT INTO rate_buckets (key, window, tokens, updated_at, full_at) VALUES (@key, @window, @tokens, @updated_at, @full_at)
         ON CONFLICT (key, window) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at, full_at = excluded.full_at`,
      ),
      pruneBuckets: connection.prepare<[number, number]>(
        `DELETE FROM rate_buckets WHERE (key, window) IN (SELECT key, window FROM rate_buckets WHERE full_at <= ? LIMIT ?)`,
      ),
      prunePauses: connection.prepare<[number]>(`DELETE FROM rate_pauses WHERE paused_until <= ?`),
      pause: connection.prepare<[string, number]>(
        `INSERT INTO rate_pauses (key, paused_until) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET paused_until = max(paused_until, excluded.paused_until)`,
      ),
    };
  }

  async take(key: string, windows: readonly RateWindow[], cost = 1): Promise<TakeResult> {
    validateTake(windows, cost);
    return writeTransaction(this.db, () => {
      const now = this.clock();
      if (now >= this.nextPruneAt) this.prune(now);
      const paused = pauseRefusal(this.statements.pausedUntil.get(key)?.paused_until, now);
      if (paused) return paused;
      const ids = windows.map(windowId);
      const states = ids.map((id): BucketState | undefined => {
        const row = this.statements.bucket.get(key, id);
        return row && { tokens: row.tokens, updatedAt: row.updated_at };
      });
      const decision = takeFromBuckets(windows, states, cost, now);
      decision.next?.forEach((state, index) =>
        this.statements.saveBucket.run({
          key,
          window: ids[index]!,
          tokens: state.tokens,
          updated_at: state.updatedAt,
          full_at: fullAt(windows[index]!, state),
        }),
      );
      return decision.result;
    });
  }

  /** Runs inside take's write transaction. A batch that comes back full means more to sweep: try again next take. */
  private prune(now: number): void {
    const deleted = this.statements.pruneBuckets.run(now, PRUNE_BATCH).changes;
    this.statements.prunePauses.run(now);
    this.nextPruneAt = deleted < PRUNE_BATCH ? now + PRUNE_INTERVAL_MS : now;
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    guard(() => this.statements.pause.run(key, untilMs));
  }
}
