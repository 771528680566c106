import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { rotateLocalKeyFile } from "../../engine/backends/embedded/local-keyring.js";
import {
  describeDeadLetterQueueContract,
  describeEncryptorContract,
  describeIngestStoreContract,
  describeJobQueueContract,
  describeLeaseManagerContract,
  describePendingAuthorizationStoreContract,
  describeRateLimiterContract,
  describeReplayCacheContract,
  describeSyncStateStoreContract,
  describeTokenStoreContract,
} from "../contracts/index.js";
import type { IngestFaultHook } from "../../engine/ports/ingest-store.js";
import { fakeClock } from "./fake-clock.js";
import { makeTempDirectory } from "./temp-directory.js";

const MAX_RECEIVES = 3;

/** A fresh database file (and key file) in its own temp directory, on a fake clock. */
function openBackends() {
  const directory = makeTempDirectory();
  const time = fakeClock();
  const backends = createEmbeddedBackends({ directory: directory.path, clock: time.clock, env: {}, maxReceives: MAX_RECEIVES });
  const others: { close(): Promise<void> }[] = [];
  return {
    backends,
    directory,
    time,
    /** Another connection to the same file, as another process would open it, with an ingest fault hook. */
    openAnother: (ingestFaultHook: IngestFaultHook) => {
      const other = createEmbeddedBackends({ directory: directory.path, clock: time.clock, env: {}, ingestFaultHook });
      others.push(other);
      return other;
    },
    cleanup: async () => {
      for (const other of others) await other.close();
      await backends.close();
      directory.remove();
    },
  };
}

describeTokenStoreContract("sqlite", async () => {
  const { backends, cleanup } = openBackends();
  return { subject: backends.tokenStore, cleanup };
});

describeSyncStateStoreContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.syncState, now: time.now, advance: time.advance, cleanup };
});

describePendingAuthorizationStoreContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.pendingAuthorizations, now: time.now, advance: time.advance, cleanup };
});

describeReplayCacheContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.replayCache, now: time.now, advance: time.advance, cleanup };
});

describeLeaseManagerContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.leases, now: time.now, advance: time.advance, cleanup };
});

describeRateLimiterContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.rateLimiter, now: time.now, advance: time.advance, cleanup };
});

describeJobQueueContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  const queue = backends.jobQueue;
  return {
    subject: queue,
    now: time.now,
    advance: time.advance,
    cleanup,
    maxReceives: MAX_RECEIVES,
    deadLetters: async () => (await queue.listDeadLetters()).flatMap((dead) => (dead.job ? [dead.job] : [])),
  };
});

describeIngestStoreContract("sqlite", async () => {
  const { backends, time, cleanup, openAnother } = openBackends();
  return {
    subject: backends.ingest,
    queue: backends.jobQueue,
    now: time.now,
    advance: time.advance,
    cleanup,
    withFaultHook: (hook) => openAnother(hook).ingest,
    faultSteps: ["replay-key-recorded", "jobs-written", "committed"],
  };
});

describeEncryptorContract("local keys (key file)", async () => {
  const { backends, directory, cleanup } = openBackends();
  return {
    subject: backends.encryptor,
    cleanup,
    rotateKey: async () => {
      rotateLocalKeyFile(join(directory.path, "token-keys.json"));
      const reopened = createEmbeddedBackends({ directory: directory.path, env: {} });
      await reopened.close(); // the encryptor needs no open database
      return reopened.encryptor;
    },
  };
});

describeDeadLetterQueueContract("sqlite", async () => {
  const { backends, time, cleanup } = openBackends();
  return { subject: backends.jobQueue, now: time.now, advance: time.advance, cleanup, maxReceives: MAX_RECEIVES };
});

describe("readiness of the SQLite stores", () => {
  it("ping fails as backend_unavailable once the database is closed", async () => {
    const { backends, directory } = openBackends();
    await backends.tokenStore.ping();
    await backends.jobQueue.ping();
    await backends.close();
    try {
      await expect(backends.tokenStore.ping()).rejects.toMatchObject({ code: "backend_unavailable" });
      await expect(backends.jobQueue.ping()).rejects.toMatchObject({ code: "backend_unavailable" });
    } finally {
      directory.remove();
    }
  });
});
