import { randomBytes } from "node:crypto";
import { createKeyring, LocalKeyEncryptor, type LocalKey } from "../../engine/backends/embedded/local-key-encryptor.js";
import { MemoryIngestStore } from "../../engine/backends/embedded/memory-ingest-store.js";
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import { MemoryLeaseManager } from "../../engine/backends/embedded/memory-lease-manager.js";
import { MemoryPendingAuthorizationStore } from "../../engine/backends/embedded/memory-pending-authorization-store.js";
import { MemoryRateLimiter } from "../../engine/backends/embedded/memory-rate-limiter.js";
import { MemoryReplayCache } from "../../engine/backends/embedded/memory-replay-cache.js";
import { MemorySyncStateStore } from "../../engine/backends/embedded/memory-sync-state-store.js";
import { MemoryTokenStore } from "../../engine/backends/embedded/memory-token-store.js";
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
import { fakeClock } from "./fake-clock.js";

const MAX_RECEIVES = 3;

describeTokenStoreContract("memory", async () => ({ subject: new MemoryTokenStore() }));

describeSyncStateStoreContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemorySyncStateStore({ clock: time.clock }), ...time };
});

describePendingAuthorizationStoreContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemoryPendingAuthorizationStore({ clock: time.clock }), ...time };
});

describeReplayCacheContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemoryReplayCache({ clock: time.clock }), ...time };
});

describeLeaseManagerContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemoryLeaseManager({ clock: time.clock }), ...time };
});

describeRateLimiterContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemoryRateLimiter({ clock: time.clock }), ...time };
});

describeJobQueueContract("memory", async () => {
  const time = fakeClock();
  const queue = new MemoryJobQueue({ clock: time.clock, maxReceives: MAX_RECEIVES });
  return { subject: queue, ...time, maxReceives: MAX_RECEIVES, deadLetters: async () => (await queue.listDeadLetters()).flatMap((dead) => (dead.job ? [dead.job] : [])) };
});

describeIngestStoreContract("memory", async () => {
  const time = fakeClock();
  const queue = new MemoryJobQueue({ clock: time.clock });
  return { subject: new MemoryIngestStore(new MemoryReplayCache({ clock: time.clock }), queue), queue, ...time };
});

describeEncryptorContract("local keys (in memory keyring)", async () => {
  const keys: LocalKey[] = [{ id: "key-1", key: randomBytes(32) }];
  return {
    subject: new LocalKeyEncryptor(createKeyring(keys)),
    rotateKey: async () => {
      keys.unshift({ id: `key-${keys.length + 1}`, key: randomBytes(32) });
      return new LocalKeyEncryptor(createKeyring(keys));
    },
  };
});

describeDeadLetterQueueContract("memory", async () => {
  const time = fakeClock();
  return { subject: new MemoryJobQueue({ clock: time.clock, maxReceives: MAX_RECEIVES }), ...time, maxReceives: MAX_RECEIVES };
});
