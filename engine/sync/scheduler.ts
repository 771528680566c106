import { sleep } from "../clock.js";
import type { LeaseManager } from "../ports/lease.js";
import type { SubscriptionChange, SubscriptionService, UserSubscriptionChange } from "../subscriptions/subscription-service.js";
import type { SyncService } from "./sync-service.js";

/** The lease every scheduler instance takes for a tick: one tick at a time across a fleet. */
export const SYNC_SCHEDULE_LEASE = "schedule:sync";

export interface ScheduledSyncResult {
  /** False when another process holds the schedule's lease (its tick is running). */
  readonly ran: boolean;
  /** Runs started (poll, reconciliation, missed backfills). */
  readonly started: number;
  /** App-level subscriptions created or renewed. */
  readonly subscriptions?: readonly SubscriptionChange[];
  /** Per-user subscriptions renewed (or made again) before they expire. */
  readonly userSubscriptions?: readonly UserSubscriptionChange[];
  /** Vendors (and users) whose subscription sync or renewal failed this tick (retried at the next). */
  readonly subscriptionErrors?: readonly { readonly vendor: string; readonly userId?: string; readonly error: unknown }[];
}

/**
 * One tick of the sync schedule: starts the poll and reconciliation runs that are due (and fallback polls where
 * webhooks went silent), creates or renews app-level webhook subscriptions and renews per-user ones before they
 * expire, under a lease, so two processes
 * (or two overlapping scheduled invocations on AWS) never run the schedule at once. What is due is read from the
 * stream checkpoints, so a tick that runs again soon after starts nothing twice.
 */
export async function runScheduledSync(
  engine: {
    readonly sync: Pick<SyncService, "startDueRuns">;
    readonly subscriptions?: Pick<SubscriptionService, "syncApp" | "appVendorIds" | "renewUsers">;
    readonly backends: { readonly leases: LeaseManager };
  },
  options: { readonly leaseMs?: number } = {},
): Promise<ScheduledSyncResult> {
  const lease = await engine.backends.leases.tryAcquire(SYNC_SCHEDULE_LEASE, options.leaseMs ?? 5 * 60_000);
  if (!lease) return { ran: false, started: 0 };
  try {
    const started = await engine.sync.startDueRuns();
    const subscriptions: SubscriptionChange[] = [];
    const subscriptionErrors: { vendor: string; userId?: string; error: unknown }[] = [];
    // One vendor's failing subscription API must not hold up another's renewals.
    for (const vendor of engine.subscriptions?.appVendorIds ?? []) {
      try {
        subscriptions.push(...(await engine.subscriptions!.syncApp({ vendors: [vendor] })));
      } catch (error) {
        subscriptionErrors.push({ vendor, error });
      }
    }
    const users = await engine.subscriptions?.renewUsers().catch((error: unknown) => ({ changes: [], errors: [{ vendor: "*", error }] }));
    subscriptionErrors.push(...(users?.errors ?? []));
    return {
      ran: true,
      started,
      ...(subscriptions.length > 0 ? { subscriptions } : {}),
      ...(users && users.changes.length > 0 ? { userSubscriptions: users.changes } : {}),
      ...(subscriptionErrors.length > 0 ? { subscriptionErrors } : {}),
    };
  } finally {
    await engine.backends.leases.release(lease).catch(() => undefined);
  }
}

export interface SyncScheduler {
  stop(): Promise<void>;
}

/** Ticks every `intervalMs` (default 60 s) in this process until stopped; `serve` runs one beside its worker. */
export function startSyncScheduler(
  engine: Parameters<typeof runScheduledSync>[0],
  options: { readonly intervalMs?: number; readonly leaseMs?: number; readonly onTick?: (result: ScheduledSyncResult) => void; readonly onError?: (error: unknown) => void } = {},
): SyncScheduler {
  const stopping = new AbortController();
  const intervalMs = options.intervalMs ?? 60_000;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        options.onTick?.(await runScheduledSync(engine, options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }));
      } catch (error) {
        options.onError?.(error);
      }
      await sleep(intervalMs, stopping.signal).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
