import { systemClock, type Clock } from "../../clock.js";
import type { AdmitResult, IngestDelivery, IngestFaultHook, IngestStore } from "../../ports/ingest-store.js";
import { sqliteConnection, type SqliteConnection, type SqliteDatabase } from "./sqlite-database.js";
import type { SqliteJobQueue } from "./sqlite-job-queue.js";
import type { SqliteReplayCache } from "./sqlite-replay-cache.js";

export interface SqliteIngestStoreOptions {
  readonly clock?: Clock;
  /** Tests only: called between the steps of a commit (see IngestStep). */
  readonly faultHook?: IngestFaultHook;
}

interface Waiter {
  readonly delivery: IngestDelivery;
  readonly answer: (result: AdmitResult) => void;
}

/**
 * Replay keys and jobs in one SQLite transaction, committed with `synchronous = FULL` (the WAL is fsynced before the
 * vendor gets its 2xx; NORMAL could lose acknowledged jobs on power loss). Group commit keeps that affordable:
 * deliveries that arrive in one turn of the event loop wait for `setImmediate` and share one transaction and one
 * fsync, and each waiter is answered only after that commit.
 */
export class SqliteIngestStore implements IngestStore {
  private readonly clock: Clock;
  private readonly faultHook: IngestFaultHook | undefined;
  private readonly commitBatch: { immediate(deliveries: readonly IngestDelivery[], now: number): AdmitResult[] };
  private readonly db: SqliteConnection;
  private waiting: Waiter[] = [];
  private flushScheduled = false;

  constructor(
    database: SqliteDatabase,
    private readonly replayCache: SqliteReplayCache,
    private readonly jobQueue: SqliteJobQueue,
    options: SqliteIngestStoreOptions = {},
  ) {
    this.db = sqliteConnection(database);
    this.clock = options.clock ?? systemClock;
    this.faultHook = options.faultHook;
    this.commitBatch = this.db.transaction((deliveries: readonly IngestDelivery[], now: number) => deliveries.map((delivery) => this.write(delivery, now)));
  }

  admit(delivery: IngestDelivery): Promise<AdmitResult> {
    return new Promise((answer) => {
      this.waiting.push({ delivery, answer });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const results = this.commit(batch.map((waiter) => waiter.delivery));
    const answerAll = (failure?: string) => batch.forEach((waiter, index) => waiter.answer(failure ? failed(failure) : results[index]!));
    if (!this.faultHook) return answerAll();
    try {
      const after = this.faultHook("committed");
      if (after instanceof Promise) after.then(() => answerAll(), () => answerAll("no answer after the commit"));
      else answerAll();
    } catch {
      answerAll("no answer after the commit");
    }
  }

  /** One transaction for the batch: any error rolls all of it back, and every delivery in it is answered `failed`. */
  private commit(deliveries: readonly IngestDelivery[]): AdmitResult[] {
    try {
      // exec, not a prepared statement: SQLite applies this pragma when it compiles it, not when it runs.
      this.db.exec("PRAGMA synchronous = FULL");
      try {
        return this.commitBatch.immediate(deliveries, this.clock());
      } finally {
        this.db.exec("PRAGMA synchronous = NORMAL");
      }
    } catch (error) {
      const code = typeof (error as { code?: unknown })?.code === "string" ? ` (${(error as { code: string }).code})` : "";
      return deliveries.map(() => failed(`embedded database commit failed${code}`));
    }
  }

  private write({ events, replay }: IngestDelivery, now: number): AdmitResult {
    if (replay && !this.replayCache.recordIfNew(replay.key, replay.ttlSeconds, now)) return { status: "replayed" };
    void this.faultHook?.("replay-key-recorded");
    this.jobQueue.insertJobs(events, now);
    void this.faultHook?.("jobs-written");
    return { status: "stored", enqueued: events.map((event) => event.id) };
  }
}

function failed(reason: string): AdmitResult {
  return { status: "failed", reason };
}
