import { systemClock, type Clock } from "../../clock.js";
import type { StreamCheckpoint, SyncState, SyncStateStore } from "../../ports/sync-state-store.js";
import { checkpointConflict } from "./memory-sync-state-store.js";
import { guard, sqliteConnection, writeTransaction, type SqliteDatabase } from "./sqlite-database.js";

interface CheckpointRow {
  vendor: string;
  user_id: string;
  stream: string;
  version: number;
  state: string;
  updated_at: number;
}

/** Checkpoints and delivered-record marks in the shared database; each checkpoint write is one conditional statement. */
export class SqliteSyncStateStore implements SyncStateStore {
  private readonly statements;
  private readonly clock: Clock;

  constructor(
    private readonly database: SqliteDatabase,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    const db = sqliteConnection(this.database);
    this.statements = {
      get: db.prepare<[string, string, string], CheckpointRow>(
        `SELECT vendor, user_id, stream, version, state, updated_at FROM sync_checkpoints WHERE vendor = ? AND user_id = ? AND stream = ?`,
      ),
      insert: db.prepare<[string, string, string, string, number]>(
        `INSERT INTO sync_checkpoints (vendor, user_id, stream, version, state, updated_at) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (vendor, user_id, stream) DO NOTHING`,
      ),
      update: db.prepare<[string, number, string, string, string, number]>(
        `UPDATE sync_checkpoints SET version = version + 1, state = ?, updated_at = ?
         WHERE vendor = ? AND user_id = ? AND stream = ? AND version = ?`,
      ),
      list: db.prepare<[string, string], CheckpointRow>(
        `SELECT vendor, user_id, stream, version, state, updated_at FROM sync_checkpoints WHERE vendor = ? AND user_id = ? ORDER BY stream`,
      ),
      mark: db.prepare<[string, string, string, string, number]>(
        `INSERT INTO sync_delivered (vendor, user_id, stream, record_id, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (vendor, user_id, stream, record_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
      ),
      delivered: db
        .prepare<[string, string, string, number, string], string>(
          `SELECT record_id FROM sync_delivered WHERE vendor = ? AND user_id = ? AND stream = ? AND expires_at > ?
           AND record_id IN (SELECT value FROM json_each(?))`,
        )
        .pluck(),
      purge: db.prepare<[number]>(`DELETE FROM sync_delivered WHERE expires_at <= ?`),
    };
  }

  async getCheckpoint(vendor: string, userId: string, stream: string): Promise<StreamCheckpoint | undefined> {
    const row = guard(() => this.statements.get.get(vendor, userId, stream));
    return row ? fromRow(row) : undefined;
  }

  async putCheckpoint(checkpoint: Omit<StreamCheckpoint, "version">, expectedVersion: number | null): Promise<StreamCheckpoint> {
    const { vendor, userId, stream, updatedAt } = checkpoint;
    const state = JSON.stringify(checkpoint.state);
    const changes = guard(() =>
      expectedVersion === null
        ? this.statements.insert.run(vendor, userId, stream, state, updatedAt).changes
        : this.statements.update.run(state, updatedAt, vendor, userId, stream, expectedVersion).changes,
    );
    if (changes !== 1) throw checkpointConflict(vendor, expectedVersion);
    return { ...checkpoint, state: JSON.parse(state) as SyncState, version: (expectedVersion ?? 0) + 1 };
  }

  async listCheckpoints(vendor: string, userId: string): Promise<StreamCheckpoint[]> {
    return guard(() => this.statements.list.all(vendor, userId)).map(fromRow);
  }

  async findDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    // One prepared statement for any number of ids: they travel as one JSON array.
    const rows = guard(() => this.statements.delivered.all(vendor, userId, stream, this.clock(), JSON.stringify(recordIds)));
    return new Set(rows);
  }

  async markDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[], expiresAt: number): Promise<void> {
    if (recordIds.length === 0) return;
    writeTransaction(this.database, () => {
      for (const id of recordIds) this.statements.mark.run(vendor, userId, stream, id, expiresAt);
    });
  }

  /** Deletes expired marks; the scheduler calls it now and then. */
  async purgeExpired(): Promise<number> {
    return guard(() => this.statements.purge.run(this.clock()).changes);
  }
}

function fromRow(row: CheckpointRow): StreamCheckpoint {
  return { vendor: row.vendor, userId: row.user_id, stream: row.stream, version: row.version, state: JSON.parse(row.state) as SyncState, updatedAt: row.updated_at };
}
