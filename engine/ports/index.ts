export type { EncryptionContext, SealedEnvelope, Encryptor } from "./encryptor.js";
export type { ConnectionStatus, StoredConnection, ConnectionPage, TokenStore } from "./token-store.js";
export type { PendingAuthorization, PendingAuthorizationStore } from "./pending-authorization-store.js";
export type { ReplayCache } from "./replay-cache.js";
export type { Lease, LeaseManager } from "./lease.js";
export type { RateWindow, TakeResult, RateLimiter } from "./rate-limiter.js";
export type { Job, SyncJob, SyncTask, SyncPlanTask, SyncWindowTask, SyncPurpose, EventJob, EnqueueFailure, EnqueueResult, ReceivedJob, ReceiveOptions, JobQueue } from "./job-queue.js";
export type { Backends } from "./backends.js";
export type { StreamCheckpoint, SyncState, SyncStateStore } from "./sync-state-store.js";
