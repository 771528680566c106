/** JSON-serializable state of one stream for one user, owned by engine/sync (the store does not interpret it). */
export type SyncState = Readonly<Record<string, unknown>>;

/** One user's checkpoint of one vendor stream. */
export interface StreamCheckpoint {
  readonly vendor: string;
  readonly userId: string;
  readonly stream: string;
  /** Incremented on every write; the compare-and-set guard. The first write has version 1. */
  readonly version: number;
  readonly state: SyncState;
  readonly updatedAt: number;
}

/**
 * Pull-sync state: per-stream checkpoints (compare-and-set, like tokens) and the ids of records already delivered, so
 * a re-read window (a crash, reconciliation, a webhook that arrived first) delivers each record once.
 */
export interface SyncStateStore {
  getCheckpoint(vendor: string, userId: string, stream: string): Promise<StreamCheckpoint | undefined>;
  /**
   * Compare-and-set write. `expectedVersion` is the version the caller read (null: the checkpoint must not exist).
   * Throws ConnectorError("version_conflict") otherwise.
   */
  putCheckpoint(checkpoint: Omit<StreamCheckpoint, "version">, expectedVersion: number | null): Promise<StreamCheckpoint>;
  /** Every stream's checkpoint of the user, ordered by stream name. */
  listCheckpoints(vendor: string, userId: string): Promise<StreamCheckpoint[]>;
  /** The ids among `recordIds` already marked delivered for this stream (and not yet expired). */
  findDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[]): Promise<Set<string>>;
  /** Remembers records as delivered until `expiresAt` (epoch ms); marking again extends it. */
  markDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[], expiresAt: number): Promise<void>;
}
