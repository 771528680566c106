// What a bundled deployment imports for the cold-start measurement: the engine and in-memory ports only (no SQLite
// native module), every npm dependency inlined by esbuild. Used until `synheart-connector build` exists, and beside it.
import { randomBytes } from "node:crypto";
import { createKeyring, KEY_BYTES, LocalKeyEncryptor } from "../../engine/backends/embedded/local-key-encryptor.js";
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import { MemoryLeaseManager } from "../../engine/backends/embedded/memory-lease-manager.js";
import { MemoryPendingAuthorizationStore } from "../../engine/backends/embedded/memory-pending-authorization-store.js";
import { MemoryRateLimiter } from "../../engine/backends/embedded/memory-rate-limiter.js";
import { MemoryReplayCache } from "../../engine/backends/embedded/memory-replay-cache.js";
import { MemoryTokenStore } from "../../engine/backends/embedded/memory-token-store.js";
import type { Backends } from "../../engine/ports/backends.js";

export { loadConnectorEngine } from "../../engine/connector-engine.js";

export function createBackends(): Backends {
  return {
    tokenStore: new MemoryTokenStore(),
    pendingAuthorizations: new MemoryPendingAuthorizationStore(),
    replayCache: new MemoryReplayCache(),
    leases: new MemoryLeaseManager(),
    rateLimiter: new MemoryRateLimiter(),
    jobQueue: new MemoryJobQueue(),
    encryptor: new LocalKeyEncryptor(createKeyring([{ id: "cold", key: randomBytes(KEY_BYTES) }])),
    close: async () => {},
  };
}
