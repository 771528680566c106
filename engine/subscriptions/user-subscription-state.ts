import type { SyncState, SyncStateStore } from "../ports/sync-state-store.js";
import { updateCheckpointState } from "../sync/checkpoint-update.js";

/** Where a user's subscriptions are remembered: a checkpoint of the sync-state store (never a stream's name). */
const SUBSCRIPTIONS_CHECKPOINT = "@subscriptions";

export interface UserSubscription {
  readonly id?: string;
  /** Epoch ms. */
  readonly expiresAt?: number;
}

type Subscriptions = Readonly<Record<string, UserSubscription>>;

/** One item's key in the state: its fields in a stable order. */
export function itemKey(item: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function readUserSubscriptions(store: SyncStateStore, vendor: string, userId: string): Promise<Subscriptions | undefined> {
  const checkpoint = await store.getCheckpoint(vendor, userId, SUBSCRIPTIONS_CHECKPOINT);
  const items = checkpoint?.state.items;
  return items && typeof items === "object" ? (items as Subscriptions) : undefined;
}

/** Sets (or, with undefined, forgets) one item's subscription, by compare-and-set. */
export async function writeUserSubscription(store: SyncStateStore, vendor: string, userId: string, key: string, subscription: UserSubscription | undefined, now: () => number): Promise<void> {
  await updateCheckpointState(store, { vendor, userId, stream: SUBSCRIPTIONS_CHECKPOINT }, now, (state: SyncState | undefined) => {
    const { [key]: _previous, ...others } = (state?.items ?? {}) as Subscriptions;
    return { items: subscription ? { ...others, [key]: subscription } : others };
  });
}

const RENEWALS_CHECKPOINT = "@user-renewals";
const APP_USER = "@app";

/**
 * Claims a renewal pass over a vendor's users if none ran within `everyMs` (compare-and-set, so one process of a fleet
 * wins): the pass reads every user's state, so a scheduler ticking every minute runs it far less often than that.
 */
export async function claimRenewalPass(store: SyncStateStore, vendor: string, everyMs: number, now: () => number): Promise<boolean> {
  const at = now();
  let claimed = false;
  await updateCheckpointState(store, { vendor, userId: APP_USER, stream: RENEWALS_CHECKPOINT }, now, (state) => {
    claimed = false;
    const last = typeof state?.lastPassAt === "number" ? state.lastPassAt : undefined;
    if (last !== undefined && at - last < everyMs && at >= last) return state;
    claimed = true;
    return { lastPassAt: at };
  });
  return claimed;
}
