import { runScheduledSync, type ScheduledSyncResult } from "../sync/scheduler.js";
import { lazyEngine, type EngineSource } from "./lazy-engine.js";

/**
 * The Lambda handler EventBridge Scheduler invokes (docs/aws/connector.cloudformation.yaml, SyncSchedule): one tick of
 * the pull-sync schedule under the table's lease. The runs it starts are SQS jobs, processed by the SQS handler.
 */
export function createScheduledSyncHandler(source: EngineSource, options: { readonly leaseMs?: number } = {}): () => Promise<ScheduledSyncResult> {
  const engine = lazyEngine(source);
  return async () => runScheduledSync(await engine(), options);
}
