import type { SealedEnvelope } from "../../ports/encryptor.js";
import type { ConnectionPage, ConnectionStatus, StoredConnection, TokenStore } from "../../ports/token-store.js";
import { decodeCursor, encodeCursor, pageLimit, toStoredConnection, versionConflict, type NewConnection } from "./connection-record.js";
import { guard, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";

interface ConnectionRow {
  vendor: string;
  user_id: string;
  version: number;
  vendor_user_id: string | null;
  status: string;
  access_token_expires_at: number | null;
  sealed_tokens: string;
  updated_at: number;
}

const COLUMNS = "vendor, user_id, version, vendor_user_id, status, access_token_expires_at, sealed_tokens, updated_at";

/** Each write is a single conditional statement, so the compare-and-set holds across processes without a transaction. */
export class SqliteTokenStore implements TokenStore {
  private readonly statements;

  constructor(database: SqliteDatabase) {
    const db = sqliteConnection(database);
    this.statements = {
      ping: db.prepare<[], { found: number }>(`SELECT 1 AS found FROM connections LIMIT 1`),
      get: db.prepare<[string, string], ConnectionRow>(`SELECT ${COLUMNS} FROM connections WHERE vendor = ? AND user_id = ?`),
      insert: db.prepare(
        `INSERT INTO connections (${COLUMNS})
         VALUES (@vendor, @user_id, 1, @vendor_user_id, @status, @access_token_expires_at, @sealed_tokens, @updated_at)
         ON CONFLICT (vendor, user_id) DO NOTHING`,
      ),
      update: db.prepare(
        `UPDATE connections
         SET version = version + 1, vendor_user_id = @vendor_user_id, status = @status,
             access_token_expires_at = @access_token_expires_at, sealed_tokens = @sealed_tokens, updated_at = @updated_at
         WHERE vendor = @vendor AND user_id = @user_id AND version = @expected_version`,
      ),
      delete: db.prepare<[string, string]>(`DELETE FROM connections WHERE vendor = ? AND user_id = ?`),
      // Without statistics the planner prefers the primary key's vendor prefix (a scan of the whole vendor).
      findByVendorUserId: db.prepare<[string, string], ConnectionRow>(
        `SELECT ${COLUMNS} FROM connections INDEXED BY connections_by_vendor_user_id
         WHERE vendor = ? AND vendor_user_id = ? ORDER BY user_id LIMIT 1`,
      ),
      list: db.prepare<[string, string, number], ConnectionRow>(
        `SELECT ${COLUMNS} FROM connections WHERE vendor = ? AND user_id > ? ORDER BY user_id LIMIT ?`,
      ),
    };
  }

  async ping(): Promise<void> {
    guard(() => this.statements.ping.get());
  }

  async get(vendor: string, userId: string): Promise<StoredConnection | undefined> {
    return fromRow(guard(() => this.statements.get.get(vendor, userId)));
  }

  async put(connection: NewConnection, expectedVersion: number | null): Promise<StoredConnection> {
    const row = toRow(connection);
    const changes = guard(() =>
      expectedVersion === null
        ? this.statements.insert.run(row).changes
        : this.statements.update.run({ ...row, expected_version: expectedVersion }).changes,
    );
    if (changes !== 1) throw versionConflict(connection, expectedVersion);
    return toStoredConnection(connection, (expectedVersion ?? 0) + 1);
  }

  async delete(vendor: string, userId: string): Promise<boolean> {
    return guard(() => this.statements.delete.run(vendor, userId).changes) > 0;
  }

  async findByVendorUserId(vendor: string, vendorUserId: string): Promise<StoredConnection | undefined> {
    return fromRow(guard(() => this.statements.findByVendorUserId.get(vendor, vendorUserId)));
  }

  async listByVendor(vendor: string, options: { cursor?: string; limit?: number } = {}): Promise<ConnectionPage> {
    const after = decodeCursor(options.cursor) ?? "";
    const limit = pageLimit(options.limit);
    // One extra row tells whether another page exists.
    const rows = guard(() => this.statements.list.all(vendor, after, limit + 1));
    const items = rows.slice(0, limit).map((row) => fromRow(row)!);
    const last = items.at(-1);
    return rows.length > limit && last ? { items, cursor: encodeCursor(last.userId) } : { items };
  }
}

function toRow(connection: NewConnection): Omit<ConnectionRow, "version"> {
  return {
    vendor: connection.vendor,
    user_id: connection.userId,
    vendor_user_id: connection.vendorUserId ?? null,
    status: connection.status,
    access_token_expires_at: connection.accessTokenExpiresAt ?? null,
    sealed_tokens: JSON.stringify(connection.sealedTokens),
    updated_at: connection.updatedAt,
  };
}

function fromRow(row: ConnectionRow | undefined): StoredConnection | undefined {
  if (!row) return undefined;
  return toStoredConnection(
    {
      vendor: row.vendor,
      userId: row.user_id,
      ...(row.vendor_user_id === null ? {} : { vendorUserId: row.vendor_user_id }),
      status: row.status as ConnectionStatus,
      ...(row.access_token_expires_at === null ? {} : { accessTokenExpiresAt: row.access_token_expires_at }),
      sealedTokens: JSON.parse(row.sealed_tokens) as SealedEnvelope,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}
