import type { SyncState, SyncStateStore } from "../ports/sync-state-store.js";
import { updateCheckpointState, type StreamKey } from "./checkpoint-update.js";

/**
 * The checkpoint (of the sync-state store) that holds when webhooks last reached the worker. Stream names start with
 * a letter, so "@webhooks" is never a stream's; the app-wide one is filed under the user id "@app" and its own name.
 */
export const WEBHOOKS_CHECKPOINT = "@webhooks";
const APP_CHECKPOINT = "@app-webhooks";
const APP_USER = "@app";

export type SilenceScope = "app" | "user";

interface SilenceState {
  /** When the engine started watching (the first scheduler tick or webhook): silence is measured from here at most. */
  readonly since: number;
  /** When a webhook last reached the worker. */
  readonly lastAt?: number;
  /** Set while the scope is polled instead: when the fallback began. */
  readonly fallbackSince?: number;
}

export function silenceKey(vendor: string, scope: SilenceScope, userId?: string): StreamKey {
  return scope === "app" ? { vendor, userId: APP_USER, stream: APP_CHECKPOINT } : { vendor, userId: userId!, stream: WEBHOOKS_CHECKPOINT };
}

function silenceStateOf(state: SyncState | undefined): SilenceState | undefined {
  if (!state || typeof state.since !== "number") return undefined;
  return state as unknown as SilenceState;
}

function stored(state: SilenceState): SyncState {
  return state as unknown as SyncState;
}

/**
 * Remembers that webhooks reach the worker, cheaply: a key is written at most once per `granularityMs` (this process
 * skips keys it wrote that recently without reading; the store's copy is read only then), so a busy app costs one
 * write per user and one app-wide per process and granule, not one per webhook.
 */
export class WebhookArrivals {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: SyncStateStore,
    private readonly clock: () => number,
  ) {}

  async noted(vendor: string, userId: string, granularityMs: number): Promise<void> {
    await this.note(silenceKey(vendor, "user", userId), granularityMs);
    await this.note(silenceKey(vendor, "app"), granularityMs);
  }

  private async note(key: StreamKey, granularityMs: number): Promise<void> {
    const now = this.clock();
    const memo = `${key.vendor}\u0000${key.userId}\u0000${key.stream}`;
    const last = this.written.get(memo);
    if (last !== undefined && now - last < granularityMs && now >= last) return;
    await updateCheckpointState(this.store, key, this.clock, (raw) => {
      const state = silenceStateOf(raw);
      if (state?.lastAt !== undefined && now - state.lastAt < granularityMs && now >= state.lastAt) return raw;
      return stored({ ...state, since: state?.since ?? now, lastAt: Math.max(now, state?.lastAt ?? now) });
    });
    if (this.written.size >= 10_000) this.written.clear(); // a bound, not a cache policy: a miss costs one read
    this.written.set(memo, now);
  }
}

export interface SilenceCheck {
  /** Silent for at least the threshold: the time since which no webhook arrived (poll from here). */
  readonly silentSince?: number;
  /** The fallback began or ended at this check (exactly one check across a fleet sees each). */
  readonly transition?: { readonly change: "enter" | "exit"; readonly lastWebhookAt: number; readonly fallbackSince: number };
}

/**
 * One scheduler look at a scope: starts watching it (first look), and enters or leaves the fallback by compare-and-set,
 * so two overlapping ticks never both report a transition.
 */
export async function checkSilence(store: SyncStateStore, key: StreamKey, thresholdMs: number, clock: () => number, known?: SyncState | null): Promise<SilenceCheck> {
  const now = clock();
  // The state the caller already read (null: none): most looks change nothing and then cost no further read.
  if (known !== undefined) {
    const state = silenceStateOf(known ?? undefined);
    if (state) {
      const lastSeen = state.lastAt ?? state.since;
      const silent = now - lastSeen >= thresholdMs;
      if (silent === (state.fallbackSince !== undefined)) return silent ? { silentSince: lastSeen } : {};
    }
  }
  let result: SilenceCheck = {};
  await updateCheckpointState(store, key, clock, (raw) => {
    result = {};
    const state = silenceStateOf(raw);
    if (!state) return stored({ since: now });
    const lastSeen = state.lastAt ?? state.since;
    const silent = now - lastSeen >= thresholdMs;
    if (silent && state.fallbackSince === undefined) {
      result = { silentSince: lastSeen, transition: { change: "enter", lastWebhookAt: lastSeen, fallbackSince: now } };
      return stored({ ...state, fallbackSince: now });
    }
    if (!silent && state.fallbackSince !== undefined) {
      const { fallbackSince, ...rest } = state;
      result = { transition: { change: "exit", lastWebhookAt: lastSeen, fallbackSince } };
      return stored(rest);
    }
    result = silent ? { silentSince: lastSeen } : {};
    return raw;
  });
  return result;
}

/** What the engine knows of a scope's webhooks: since when it watches, the last arrival, and a fallback under way. */
export interface SilenceStatus {
  readonly watchingSince: string;
  readonly lastWebhookAt?: string;
  /** Set while the scope is polled because its webhooks went silent. */
  readonly pollingSince?: string;
}

export async function readSilence(store: SyncStateStore, key: StreamKey): Promise<SilenceStatus | undefined> {
  const state = silenceStateOf((await store.getCheckpoint(key.vendor, key.userId, key.stream))?.state);
  if (!state) return undefined;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    watchingSince: iso(state.since),
    ...(state.lastAt === undefined ? {} : { lastWebhookAt: iso(state.lastAt) }),
    ...(state.fallbackSince === undefined ? {} : { pollingSince: iso(state.fallbackSince) }),
  };
}
