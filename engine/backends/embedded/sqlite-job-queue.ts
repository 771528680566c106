import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../clock.js";
import type { NormalizedEvent } from "../../events.js";
import type { DeadLetter, DeadLetterQueue, EnqueueResult, Job, JobQueue, ListDeadLettersOptions, ReceivedJob, ReceiveOptions, SyncTask } from "../../ports/job-queue.js";
import { checkSyncTask, syncJob } from "../../queue/job-message.js";
import {
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  decodeReceipt,
  encodeReceipt,
  newDeliveryToken,
  receiveLimit,
} from "./job-receipt.js";
import { longPoll } from "./long-poll.js";
import { guard, writeTransaction, sqliteConnection, type SqliteDatabase } from "./sqlite-database.js";

interface JobRow {
  id: string;
  event: string;
  enqueued_at: number;
  receive_count: number;
}

export interface SqliteJobQueueOptions {
  readonly clock?: Clock;
  /** Deliveries after which a job moves to `dead_jobs` instead of being delivered again. */
  readonly maxReceives?: number;
  /** How often a long-poll looks again; other processes cannot wake it. */
  readonly pollIntervalMs?: number;
}

/** Durable at-least-once queue in the shared database. Receives run under the write lock, so no two workers get one delivery. */
interface DeadJobRow {
  id: string;
  event: string;
  enqueued_at: number;
  receive_count: number;
  dead_lettered_at: number;
}

export class SqliteJobQueue implements JobQueue, DeadLetterQueue {
  private readonly clock: Clock;
  /** Deliveries after which a job is dead-lettered. */
  readonly maxReceives: number;
  private readonly pollIntervalMs: number;
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteJobQueueOptions = {},
  ) {
    const connection = sqliteConnection(db);
    this.clock = options.clock ?? systemClock;
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.statements = {
      ping: connection.prepare<[], { found: number }>(`SELECT 1 AS found FROM jobs LIMIT 1`),
      insert: connection.prepare<[string, string, number, number]>(
        `INSERT INTO jobs (id, event, enqueued_at, visible_at) VALUES (?, ?, ?, ?)`,
      ),
      anyVisible: connection.prepare<[number], { found: number }>(`SELECT 1 AS found FROM jobs WHERE visible_at <= ? LIMIT 1`),
      visible: connection.prepare<[number, number], JobRow>(
        `SELECT id, event, enqueued_at, receive_count FROM jobs WHERE visible_at <= ? ORDER BY visible_at, sequence LIMIT ?`,
      ),
      deliver: connection.prepare<[string, number, string]>(
        `UPDATE jobs SET receive_count = receive_count + 1, delivery_token = ?, visible_at = ? WHERE id = ?`,
      ),
      deadLetter: connection.prepare<[number, string]>(
        `INSERT INTO dead_jobs (id, event, enqueued_at, receive_count, dead_lettered_at)
         SELECT id, event, enqueued_at, receive_count, ? FROM jobs WHERE id = ?`,
      ),
      remove: connection.prepare<[string]>(`DELETE FROM jobs WHERE id = ?`),
      ack: connection.prepare<[string, string]>(`DELETE FROM jobs WHERE id = ? AND delivery_token = ?`),
      setVisibility: connection.prepare<[number, string, string]>(
        `UPDATE jobs SET visible_at = ? WHERE id = ? AND delivery_token = ?`,
      ),
      release: connection.prepare<[number, string, string]>(
        `UPDATE jobs SET visible_at = ?, delivery_token = NULL WHERE id = ? AND delivery_token = ?`,
      ),
      deadLetters: connection.prepare<[number], DeadJobRow>(
        `SELECT id, event, enqueued_at, receive_count, dead_lettered_at FROM dead_jobs ORDER BY dead_lettered_at, id LIMIT ?`,
      ),
      allDeadIds: connection.prepare<[], { id: string }>(`SELECT id FROM dead_jobs ORDER BY dead_lettered_at, id`),
      redrive: connection.prepare<[number, string]>(
        `INSERT INTO jobs (id, event, enqueued_at, visible_at) SELECT id, event, enqueued_at, ? FROM dead_jobs WHERE id = ?`,
      ),
      removeDead: connection.prepare<[string]>(`DELETE FROM dead_jobs WHERE id = ?`),
      depth: connection.prepare<[number, number], { visible: number; in_flight: number }>(
        `SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible, COALESCE(SUM(visible_at > ?), 0) AS in_flight FROM jobs`,
      ),
      deadCount: connection.prepare<[], { count: number }>(`SELECT COUNT(*) AS count FROM dead_jobs`),
    };
  }

  async ping(): Promise<void> {
    guard(() => this.statements.ping.get());
  }

  async enqueue(events: readonly NormalizedEvent[]): Promise<EnqueueResult> {
    if (events.length === 0) return { enqueued: [], failed: [] };
    try {
      writeTransaction(this.db, () => this.insertJobs(events, this.clock()));
    } catch (error) {
      // The batch is one transaction: either all events are stored or none are.
      const reason = error instanceof Error ? error.message : "enqueue failed";
      return { enqueued: [], failed: events.map((event) => ({ event, reason })) };
    }
    return { enqueued: events.map((event) => event.id), failed: [] };
  }

  /** A sync task is stored in the `event` column as `{"kind":"sync","task":...}`; an event never has a top-level kind. */
  async enqueueSync(tasks: readonly SyncTask[]): Promise<void> {
    if (tasks.length === 0) return;
    const rows = tasks.map((task) => JSON.stringify({ kind: "sync", task: checkSyncTask(task) }));
    writeTransaction(this.db, () => {
      const now = this.clock();
      for (const row of rows) this.statements.insert.run(randomUUID(), row, now, now);
    });
  }

  /** The inserts of `enqueue`, as statements of the caller's transaction (the ingest store's). */
  insertJobs(events: readonly NormalizedEvent[], now: number): void {
    for (const event of events) this.statements.insert.run(randomUUID(), JSON.stringify(event), now, now);
  }

  receive(options: ReceiveOptions = {}): Promise<ReceivedJob[]> {
    return longPoll(() => this.deliver(options), options.waitMs, { intervalMs: this.pollIntervalMs });
  }

  async ack(receipt: string): Promise<void> {
    const decoded = decodeReceipt(receipt);
    if (decoded) guard(() => this.statements.ack.run(decoded.jobId, decoded.deliveryToken));
  }

  async extendVisibility(receipt: string, visibilityTimeoutMs: number): Promise<void> {
    const decoded = decodeReceipt(receipt);
    if (decoded) guard(() => this.statements.setVisibility.run(this.clock() + visibilityTimeoutMs, decoded.jobId, decoded.deliveryToken));
  }

  async release(receipt: string, delayMs = 0): Promise<void> {
    const decoded = decodeReceipt(receipt);
    if (decoded) guard(() => this.statements.release.run(this.clock() + delayMs, decoded.jobId, decoded.deliveryToken));
  }

  /** Jobs that were delivered `maxReceives` times without being acknowledged, oldest first. */
  async listDeadLetters(options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    return guard(() => this.statements.deadLetters.all(limit)).map((row) => ({
      id: row.id,
      job: jobOfRow(row.event, row.enqueued_at),
      receiveCount: row.receive_count,
      deadLetteredAt: row.dead_lettered_at,
    }));
  }

  /** Jobs waiting, in flight (or delayed) and dead-lettered, for the synheart.queue.depth gauge. */
  async queueDepth(): Promise<{ visible: number; inFlight: number; deadLettered: number }> {
    const now = this.clock();
    const depth = guard(() => this.statements.depth.get(now, now))!;
    const dead = guard(() => this.statements.deadCount.get())!;
    return { visible: depth.visible, inFlight: depth.in_flight, deadLettered: dead.count };
  }

  /** One transaction: each job is back in the queue (receive count 0, visible now) exactly when it leaves dead_jobs. */
  async redriveDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.eachDeadLetter(ids, (id) => {
      const moved = this.statements.redrive.run(this.clock(), id).changes;
      if (moved > 0) this.statements.removeDead.run(id);
      return moved;
    });
  }

  async purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.eachDeadLetter(ids, (id) => this.statements.removeDead.run(id).changes);
  }

  private eachDeadLetter(ids: readonly string[] | undefined, act: (id: string) => number): number {
    return writeTransaction(this.db, () => {
      const targets = ids ?? this.statements.allDeadIds.all().map((row) => row.id);
      let count = 0;
      for (const id of new Set(targets)) count += act(id);
      return count;
    });
  }

  private deliver(options: ReceiveOptions): ReceivedJob[] {
    const limit = receiveLimit(options.maxJobs);
    const visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    // Cheap unlocked look first, so idle long-polls do not keep taking the write lock.
    if (!guard(() => this.statements.anyVisible.get(this.clock()))) return [];
    return writeTransaction(this.db, () => {
      const now = this.clock();
      const delivered: ReceivedJob[] = [];
      // Dead-lettering frees slots, so look again until the batch is full or nothing is visible.
      for (;;) {
        const rows = this.statements.visible.all(now, limit - delivered.length);
        for (const row of rows) {
          if (row.receive_count >= this.maxReceives) {
            this.statements.deadLetter.run(now, row.id);
            this.statements.remove.run(row.id);
            continue;
          }
          const deliveryToken = newDeliveryToken();
          this.statements.deliver.run(deliveryToken, now + visibilityTimeoutMs, row.id);
          delivered.push({
            job: jobOfRow(row.event, row.enqueued_at),
            receipt: encodeReceipt({ jobId: row.id, deliveryToken }),
            receiveCount: row.receive_count + 1,
          });
        }
        if (delivered.length >= limit || rows.every((row) => row.receive_count < this.maxReceives)) return delivered;
      }
    });
  }
}

function jobOfRow(stored: string, enqueuedAt: number): Job {
  const parsed = JSON.parse(stored) as { kind?: unknown; task?: unknown };
  if (parsed.kind === "sync") return syncJob(parsed.task as SyncTask, enqueuedAt);
  return { event: parsed as NormalizedEvent, enqueuedAt };
}
