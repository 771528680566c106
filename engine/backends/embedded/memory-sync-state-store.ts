import { systemClock, type Clock } from "../../clock.js";
import { ConnectorError } from "../../errors.js";
import type { StreamCheckpoint, SyncStateStore } from "../../ports/sync-state-store.js";

/** In-process SyncStateStore for tests. Every method runs without awaiting, so each is atomic. */
export class MemorySyncStateStore implements SyncStateStore {
  private readonly checkpoints = new Map<string, StreamCheckpoint>();
  private readonly delivered = new Map<string, number>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async getCheckpoint(vendor: string, userId: string, stream: string): Promise<StreamCheckpoint | undefined> {
    return structuredClone(this.checkpoints.get(key(vendor, userId, stream)));
  }

  async putCheckpoint(checkpoint: Omit<StreamCheckpoint, "version">, expectedVersion: number | null): Promise<StreamCheckpoint> {
    const id = key(checkpoint.vendor, checkpoint.userId, checkpoint.stream);
    const current = this.checkpoints.get(id);
    if ((current?.version ?? null) !== expectedVersion) throw checkpointConflict(checkpoint.vendor, expectedVersion);
    const stored: StreamCheckpoint = structuredClone({ ...checkpoint, version: (expectedVersion ?? 0) + 1 });
    this.checkpoints.set(id, stored);
    return structuredClone(stored);
  }

  async listCheckpoints(vendor: string, userId: string): Promise<StreamCheckpoint[]> {
    return [...this.checkpoints.values()]
      .filter((checkpoint) => checkpoint.vendor === vendor && checkpoint.userId === userId)
      .sort((a, b) => (a.stream < b.stream ? -1 : 1))
      .map((checkpoint) => structuredClone(checkpoint));
  }

  async findDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[]): Promise<Set<string>> {
    const now = this.clock();
    return new Set(recordIds.filter((id) => (this.delivered.get(key(vendor, userId, stream, id)) ?? -Infinity) > now));
  }

  async markDelivered(vendor: string, userId: string, stream: string, recordIds: readonly string[], expiresAt: number): Promise<void> {
    for (const id of recordIds) this.delivered.set(key(vendor, userId, stream, id), expiresAt);
  }
}

function key(...parts: string[]): string {
  return JSON.stringify(parts);
}

export function checkpointConflict(vendor: string, expectedVersion: number | null): ConnectorError {
  return new ConnectorError(
    "version_conflict",
    expectedVersion === null ? "the sync checkpoint already exists" : `the sync checkpoint changed since version ${expectedVersion} was read`,
    { vendor },
  );
}
