import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../../clock.js";
import type { Backends } from "../../ports/backends.js";
import { createKeyring, KEY_BYTES, LocalKeyEncryptor, type LocalKeyring } from "./local-key-encryptor.js";
import { MemoryIngestStore } from "./memory-ingest-store.js";
import { MemoryJobQueue } from "./memory-job-queue.js";
import { MemoryLeaseManager } from "./memory-lease-manager.js";
import { MemoryPendingAuthorizationStore } from "./memory-pending-authorization-store.js";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";
import { MemoryReplayCache } from "./memory-replay-cache.js";
import { MemoryTokenStore } from "./memory-token-store.js";

// Its own module, apart from the SQLite backends: a bundle that only needs memory ports must not pull in a native addon.

export interface MemoryBackendsOptions {
  readonly clock?: Clock;
  readonly maxReceives?: number;
  /** Default: one random key, so nothing sealed outlives the process. */
  readonly keyring?: LocalKeyring;
}

/** Everything in process memory, for tests. */
export function createMemoryBackends(options: MemoryBackendsOptions = {}): Backends & { readonly jobQueue: MemoryJobQueue } {
  const clock = options.clock ?? systemClock;
  const replayCache = new MemoryReplayCache({ clock });
  const jobQueue = new MemoryJobQueue({ clock, ...(options.maxReceives === undefined ? {} : { maxReceives: options.maxReceives }) });
  return {
    tokenStore: new MemoryTokenStore(),
    pendingAuthorizations: new MemoryPendingAuthorizationStore({ clock }),
    replayCache,
    leases: new MemoryLeaseManager({ clock }),
    rateLimiter: new MemoryRateLimiter({ clock }),
    jobQueue,
    ingest: new MemoryIngestStore(replayCache, jobQueue),
    encryptor: new LocalKeyEncryptor(options.keyring ?? createKeyring([{ id: "memory", key: randomBytes(KEY_BYTES) }])),
    close: async () => {},
  };
}
