import type { SealedEnvelope } from "./encryptor.js";

export type ConnectionStatus = "active" | "reauthorization_required";

/**
 * One user's connection to one vendor, as stored. Tokens are only ever stored sealed;
 * the rest is metadata needed to find and schedule the record without decrypting it.
 */
export interface StoredConnection {
  readonly vendor: string;
  readonly userId: string;
  /** Incremented on every write; the compare-and-set guard. The first write has version 1. */
  readonly version: number;
  readonly vendorUserId?: string;
  readonly status: ConnectionStatus;
  /** Epoch ms when the access token expires, if the vendor said. */
  readonly accessTokenExpiresAt?: number;
  readonly sealedTokens: SealedEnvelope;
  readonly updatedAt: number;
}

export interface ConnectionPage {
  readonly items: readonly StoredConnection[];
  readonly cursor?: string;
}

export interface TokenStore {
  get(vendor: string, userId: string): Promise<StoredConnection | undefined>;
  /**
   * Compare-and-set write. `expectedVersion` is the version the caller read (null: the record must not exist).
   * The stored version becomes `expectedVersion + 1` (or 1). Throws ConnectorError("version_conflict") otherwise.
   */
  put(connection: Omit<StoredConnection, "version">, expectedVersion: number | null): Promise<StoredConnection>;
  /** Returns whether a record was deleted. */
  delete(vendor: string, userId: string): Promise<boolean>;
  /** Webhooks name the vendor's user id; jobs need ours. */
  findByVendorUserId(vendor: string, vendorUserId: string): Promise<StoredConnection | undefined>;
  listByVendor(vendor: string, options?: { cursor?: string; limit?: number }): Promise<ConnectionPage>;
  /**
   * Readiness: one cheap read that reaches the store (no data returned). Throws ConnectorError("backend_unavailable")
   * when the store cannot answer.
   */
  ping(): Promise<void>;
}
