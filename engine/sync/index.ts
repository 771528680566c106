export { createSyncService } from "./sync-service.js";
export type { RunStatus, StartSyncOptions, StreamStatus, SyncService, SyncServiceOptions } from "./sync-service.js";
export { runScheduledSync, startSyncScheduler, SYNC_SCHEDULE_LEASE } from "./scheduler.js";
export type { ScheduledSyncResult, SyncScheduler } from "./scheduler.js";
export { SYNC_COMPLETED_EVENT_TYPE } from "./deliveries.js";
export { formatWindowTime } from "./time-format.js";
export type { SilenceStatus } from "./webhook-silence.js";
