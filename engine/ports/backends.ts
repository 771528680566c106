import type { Encryptor } from "./encryptor.js";
import type { IngestStore } from "./ingest-store.js";
import type { JobQueue } from "./job-queue.js";
import type { LeaseManager } from "./lease.js";
import type { PendingAuthorizationStore } from "./pending-authorization-store.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { ReplayCache } from "./replay-cache.js";
import type { TokenStore } from "./token-store.js";

/** One implementation of every port: embedded (one machine) or AWS (a fleet). */
export interface Backends {
  readonly tokenStore: TokenStore;
  readonly pendingAuthorizations: PendingAuthorizationStore;
  readonly replayCache: ReplayCache;
  readonly leases: LeaseManager;
  readonly rateLimiter: RateLimiter;
  readonly jobQueue: JobQueue;
  /** Replay key and jobs of a delivery as one step, on the replay cache's keys and the job queue above. */
  readonly ingest: IngestStore;
  readonly encryptor: Encryptor;
  close(): Promise<void>;
}
