import type { AdmitResult, IngestDelivery, IngestStore } from "../../ports/ingest-store.js";
import type { MemoryJobQueue } from "./memory-job-queue.js";
import type { MemoryReplayCache } from "./memory-replay-cache.js";

/** Replay key and jobs in one synchronous step: nothing can run between the two. */
export class MemoryIngestStore implements IngestStore {
  constructor(
    private readonly replayCache: MemoryReplayCache,
    private readonly jobQueue: MemoryJobQueue,
  ) {}

  async admit({ events, replay }: IngestDelivery): Promise<AdmitResult> {
    if (replay && !this.replayCache.recordIfNew(replay.key, replay.ttlSeconds)) return { status: "replayed" };
    this.jobQueue.add(events);
    return { status: "stored", enqueued: events.map((event) => event.id) };
  }
}
