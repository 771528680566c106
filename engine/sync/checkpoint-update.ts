import { isConnectorError } from "../errors.js";
import type { SyncState, SyncStateStore } from "../ports/sync-state-store.js";
import { streamStateOf, type StreamState } from "./sync-state.js";

const MAX_ATTEMPTS = 20;

export interface StreamKey {
  readonly vendor: string;
  readonly userId: string;
  readonly stream: string;
}

/**
 * Read-modify-write of any checkpoint's raw state under the store's compare-and-set, re-applied after a conflict.
 * `change` returns the same object for "no write".
 */
export async function updateCheckpointState(
  store: SyncStateStore,
  key: StreamKey,
  now: () => number,
  change: (state: SyncState | undefined) => SyncState | undefined,
): Promise<SyncState | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.getCheckpoint(key.vendor, key.userId, key.stream);
    const next = change(current?.state);
    if (next === current?.state || next === undefined) return current?.state;
    try {
      await store.putCheckpoint({ ...key, state: next, updatedAt: now() }, current?.version ?? null);
      return next;
    } catch (error) {
      if (!isConnectorError(error, "version_conflict") || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Read-modify-write of one stream's state under the store's compare-and-set: on a conflict (another worker finished a
 * window of the same stream) it reads again and re-applies `change`. `change` returns the same object for "no write".
 */
export async function updateStreamState(
  store: SyncStateStore,
  key: StreamKey,
  now: () => number,
  change: (state: StreamState) => StreamState,
): Promise<StreamState> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.getCheckpoint(key.vendor, key.userId, key.stream);
    const state = streamStateOf(current?.state);
    const next = change(state);
    if (next === state) return state;
    try {
      await store.putCheckpoint({ ...key, state: next as unknown as Record<string, unknown>, updatedAt: now() }, current?.version ?? null);
      return next;
    } catch (error) {
      if (!isConnectorError(error, "version_conflict") || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
