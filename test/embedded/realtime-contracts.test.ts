/**
 * The contract suites as a real-time backend (AWS) sees them: no controllable clock, short TTLs, real waits.
 * Run against the memory backends on the system clock to keep those code paths honest.
 */
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import { MemoryLeaseManager } from "../../engine/backends/embedded/memory-lease-manager.js";
import { MemoryPendingAuthorizationStore } from "../../engine/backends/embedded/memory-pending-authorization-store.js";
import { MemoryRateLimiter } from "../../engine/backends/embedded/memory-rate-limiter.js";
import { MemoryReplayCache } from "../../engine/backends/embedded/memory-replay-cache.js";
import {
  describeJobQueueContract,
  describeLeaseManagerContract,
  describePendingAuthorizationStoreContract,
  describeRateLimiterContract,
  describeReplayCacheContract,
} from "../contracts/index.js";

describePendingAuthorizationStoreContract("memory, real time", async () => ({ subject: new MemoryPendingAuthorizationStore() }));
describeReplayCacheContract("memory, real time", async () => ({ subject: new MemoryReplayCache() }));
describeLeaseManagerContract("memory, real time", async () => ({ subject: new MemoryLeaseManager() }));
describeRateLimiterContract("memory, real time", async () => ({ subject: new MemoryRateLimiter() }));
describeJobQueueContract("memory, real time", async () => {
  const queue = new MemoryJobQueue({ maxReceives: 2 });
  return { subject: queue, maxReceives: 2, deadLetters: async () => (await queue.listDeadLetters()).flatMap((dead) => (dead.job ? [dead.job] : [])) };
});
