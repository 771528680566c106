import { join } from "node:path";
import { systemClock, type Clock } from "../../clock.js";
import type { Backends } from "../../ports/backends.js";
import type { IngestFaultHook } from "../../ports/ingest-store.js";
import { LocalKeyEncryptor } from "./local-key-encryptor.js";
import { loadLocalKeyring } from "./local-keyring.js";
import { ensurePrivateDirectory } from "./private-files.js";
import { DEFAULT_DIRECTORY, openSqliteDatabase } from "./sqlite-database.js";
import { SqliteIngestStore } from "./sqlite-ingest-store.js";
import { SqliteJobQueue } from "./sqlite-job-queue.js";
import { SqliteLeaseManager } from "./sqlite-lease-manager.js";
import { SqlitePendingAuthorizationStore } from "./sqlite-pending-authorization-store.js";
import { SqliteRateLimiter } from "./sqlite-rate-limiter.js";
import { SqliteReplayCache } from "./sqlite-replay-cache.js";
import { SqliteTokenStore } from "./sqlite-token-store.js";


export type { Backends };
export { createMemoryBackends, type MemoryBackendsOptions } from "./memory-backends.js";

export interface EmbeddedBackendsOptions {
  /** Holds `connector.db` and, unless keys come from the environment, `token-keys.json`. Default `.synheart`. */
  readonly directory?: string;
  readonly clock?: Clock;
  /** Where `SYNHEART_TOKEN_KEYS` is read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly maxReceives?: number;
  /** Tests only: called between the steps of an ingest commit. */
  readonly ingestFaultHook?: IngestFaultHook;
}

/** Single-machine backends: one SQLite file shared by every store and process, tokens sealed with local keys. */
export function createEmbeddedBackends(options: EmbeddedBackendsOptions = {}): Backends & { readonly jobQueue: SqliteJobQueue } {
  const directory = options.directory ?? DEFAULT_DIRECTORY;
  const clock = options.clock ?? systemClock;
  ensurePrivateDirectory(directory);
  const keyring = loadLocalKeyring({ keyFile: join(directory, "token-keys.json"), now: clock, ...(options.env ? { env: options.env } : {}) });
  const db = openSqliteDatabase(join(directory, "connector.db"));
  const replayCache = new SqliteReplayCache(db, { clock });
  const jobQueue = new SqliteJobQueue(db, { clock, ...(options.maxReceives === undefined ? {} : { maxReceives: options.maxReceives }) });
  return {
    tokenStore: new SqliteTokenStore(db),
    pendingAuthorizations: new SqlitePendingAuthorizationStore(db, { clock }),
    replayCache,
    leases: new SqliteLeaseManager(db, { clock }),
    rateLimiter: new SqliteRateLimiter(db, { clock }),
    jobQueue,
    ingest: new SqliteIngestStore(db, replayCache, jobQueue, { clock, ...(options.ingestFaultHook ? { faultHook: options.ingestFaultHook } : {}) }),
    encryptor: new LocalKeyEncryptor(keyring),
    close: async () => {
      db.close();
    },
  };
}
