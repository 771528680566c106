import { systemClock, type Clock } from "../../clock.js";
import type { PendingAuthorization, PendingAuthorizationStore } from "../../ports/pending-authorization-store.js";
import { guard, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";

export class SqlitePendingAuthorizationStore implements PendingAuthorizationStore {
  private readonly clock: Clock;
  private readonly statements;

  constructor(database: SqliteDatabase, options: { clock?: Clock } = {}) {
    const db = sqliteConnection(database);
    this.clock = options.clock ?? systemClock;
    this.statements = {
      save: db.prepare(
        `INSERT INTO pending_authorizations (state, record, expires_at) VALUES (@state, @record, @expires_at)
         ON CONFLICT (state) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at`,
      ),
      // DELETE ... RETURNING reads and removes in one statement: only one caller can get the row.
      consume: db.prepare<[string], { record: string; expires_at: number }>(
        `DELETE FROM pending_authorizations WHERE state = ? RETURNING record, expires_at`,
      ),
      dropExpired: db.prepare<[number]>(`DELETE FROM pending_authorizations WHERE expires_at <= ?`),
    };
  }

  async save(pending: PendingAuthorization): Promise<void> {
    guard(() => {
      this.statements.dropExpired.run(this.clock());
      this.statements.save.run({ state: pending.state, record: JSON.stringify(pending), expires_at: pending.expiresAt });
    });
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    const row = guard(() => this.statements.consume.get(state));
    if (!row || row.expires_at <= this.clock()) return undefined;
    return JSON.parse(row.record) as PendingAuthorization;
  }
}
