export type { EncryptionContext, SealedEnvelope, Encryptor } from "./encryptor.js";
export type { ConnectionStatus, StoredConnection, ConnectionPage, TokenStore } from "./token-store.js";
export type { PendingAuthorization, PendingAuthorizationStore } from "./pending-authorization-store.js";
export type { ReplayCache } from "./replay-cache.js";
export type { Lease, LeaseManager } from "./lease.js";
export type { RateWindow, TakeResult, RateLimiter } from "./rate-limiter.js";
export type { EventJob, EnqueueFailure, EnqueueResult, ReceivedJob, ReceiveOptions, JobQueue, DeadLetter, DeadLetterQueue, ListDeadLettersOptions } from "./job-queue.js";
export type { AdmitResult, IngestDelivery, IngestFaultHook, IngestStep, IngestStore } from "./ingest-store.js";
export type { Backends } from "./backends.js";
