import type { ConnectionPage, StoredConnection, TokenStore } from "../../ports/token-store.js";
import { decodeCursor, encodeCursor, pageLimit, toStoredConnection, versionConflict, type NewConnection } from "./connection-record.js";

/** In-process TokenStore for tests. Every method runs without awaiting, so each is atomic. */
export class MemoryTokenStore implements TokenStore {
  private readonly byVendor = new Map<string, Map<string, StoredConnection>>();

  async ping(): Promise<void> {}

  async get(vendor: string, userId: string): Promise<StoredConnection | undefined> {
    return copy(this.byVendor.get(vendor)?.get(userId));
  }

  async put(connection: NewConnection, expectedVersion: number | null): Promise<StoredConnection> {
    const users = this.usersOf(connection.vendor);
    const current = users.get(connection.userId);
    const currentVersion = current?.version ?? null;
    if (currentVersion !== expectedVersion) throw versionConflict(connection, expectedVersion);
    const stored = toStoredConnection(connection, (expectedVersion ?? 0) + 1);
    users.set(connection.userId, stored);
    return copy(stored)!;
  }

  async delete(vendor: string, userId: string): Promise<boolean> {
    return this.byVendor.get(vendor)?.delete(userId) ?? false;
  }

  async findByVendorUserId(vendor: string, vendorUserId: string): Promise<StoredConnection | undefined> {
    for (const connection of this.byVendor.get(vendor)?.values() ?? []) {
      if (connection.vendorUserId === vendorUserId) return copy(connection);
    }
    return undefined;
  }

  async listByVendor(vendor: string, options: { cursor?: string; limit?: number } = {}): Promise<ConnectionPage> {
    const after = decodeCursor(options.cursor);
    const limit = pageLimit(options.limit);
    const remaining = [...(this.byVendor.get(vendor)?.values() ?? [])]
      .filter((connection) => after === undefined || connection.userId > after)
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    const items = remaining.slice(0, limit).map((connection) => copy(connection)!);
    const last = items.at(-1);
    return remaining.length > limit && last ? { items, cursor: encodeCursor(last.userId) } : { items };
  }

  private usersOf(vendor: string): Map<string, StoredConnection> {
    let users = this.byVendor.get(vendor);
    if (!users) {
      users = new Map();
      this.byVendor.set(vendor, users);
    }
    return users;
  }
}

const copy = (connection: StoredConnection | undefined): StoredConnection | undefined =>
  connection === undefined ? undefined : structuredClone(connection);
