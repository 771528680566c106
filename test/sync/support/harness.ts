import { createMemoryBackends } from "../../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine, type ConnectorEngine } from "../../../engine/connector-engine.js";
import type { Logger } from "../../../engine/logging/logger.js";
import type { VendorDefinition } from "../../../engine/manifest/vendor-definition.js";
import type { Backends } from "../../../engine/ports/backends.js";
import { createJobProcessor, processAvailableJobs, type DrainOptions, type EventDelivery, type JobProcessor } from "../../../engine/queue/index.js";
import type { JobQueue } from "../../../engine/ports/job-queue.js";
import { storeSealedConnection } from "../../queue/support/connections.js";
import type { VendorCredentials } from "../../../engine/manifest/credentials.js";
import { SYNC_CREDENTIALS } from "./sync-vendor.js";

/** A clock that stands still until the test moves it (the test vendor's rate limit is far above what a test sends). */
export function movableClock(start: number) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => void (now += ms) };
}

export interface SyncHarness {
  readonly engine: ConnectorEngine;
  readonly backends: Backends;
  readonly deliveries: EventDelivery[];
  /** Runs every visible job (plans enqueue windows, which run too) and returns how many ran. */
  drain(): Promise<number>;
  connect(userId: string, vendorUserId?: string): Promise<void>;
  /** Connects the user, tells sync the user is connected (which plans the backfill) and drains the queue. */
  backfill(userId: string, vendorUserId?: string): Promise<void>;
}

export function syncHarness(
  vendor: VendorDefinition,
  clock: () => number,
  backends: Backends = createMemoryBackends({ clock }),
  logger?: Logger,
  credentials: VendorCredentials = SYNC_CREDENTIALS,
): SyncHarness {
  const engine = createConnectorEngine({ vendors: [vendor], backends, credentials: { [vendor.id]: credentials }, clock, ...(logger ? { logger } : {}) });
  const deliveries: EventDelivery[] = [];
  const process = createJobProcessor(engine, (delivery) => void deliveries.push(delivery));
  const harness: SyncHarness = {
    engine,
    backends,
    deliveries,
    drain: () => drainJobs(backends.jobQueue, process, { concurrency: 2 }),
    async connect(userId, vendorUserId = `v-${userId}`) {
      await storeSealedConnection(backends, { vendor: vendor.id, userId, vendorUserId });
    },
    async backfill(userId, vendorUserId) {
      await harness.connect(userId, vendorUserId);
      await engine.sync.connected(vendor.id, userId);
      await harness.drain();
    },
  };
  return harness;
}

/** Runs every visible job and returns how many ran; a failed job's error is thrown, so the test fails on it. */
export async function drainJobs(queue: JobQueue, process: JobProcessor, options?: DrainOptions): Promise<number> {
  const result = await processAvailableJobs(queue, process, options);
  const failed = result.reports.find((report) => report.result === "failed");
  if (failed && failed.result === "failed") throw failed.error;
  return result.reports.length;
}

/** Record ids of the deliveries that carry records (not the completion notices), by source. */
export function deliveredIds(deliveries: readonly EventDelivery[], source?: EventDelivery["source"]): string[] {
  return deliveries.filter((d) => d.event.type !== "sync.completed" && (!source || d.source === source)).map((d) => d.event.resourceId ?? "");
}
