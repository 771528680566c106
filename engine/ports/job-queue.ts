import type { NormalizedEvent } from "../events.js";

export interface EventJob {
  readonly kind?: "event";
  readonly event: NormalizedEvent;
  readonly enqueuedAt: number;
}

/** Why a pull sync runs; also the `source` its records carry to the sink. */
export type SyncPurpose = "backfill" | "poll" | "reconciliation" | "on_demand";

/** Cut a sync run of one user into windows (per stream) and enqueue one window task each. */
export interface SyncPlanTask {
  readonly kind: "sync-plan";
  readonly vendor: string;
  /** Our user id. */
  readonly userId: string;
  readonly purpose: SyncPurpose;
  /** Stable per run: a re-delivered plan finds its run and does not start another. */
  readonly runId: string;
  /** Default: the streams the purpose declares. */
  readonly streams?: readonly string[];
  /** Epoch ms to read from (on demand `--since`); default from the purpose and the checkpoint. */
  readonly since?: number;
  /** Epoch ms the run reads up to; fixed when the run is asked for. */
  readonly until: number;
}

/** Read (or, for request streams, ask for) one time window of one stream. */
export interface SyncWindowTask {
  readonly kind: "sync-window";
  readonly vendor: string;
  readonly userId: string;
  readonly stream: string;
  readonly purpose: SyncPurpose;
  readonly runId: string;
  readonly index: number;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

export type SyncTask = SyncPlanTask | SyncWindowTask;

export interface SyncJob {
  readonly kind: "sync";
  readonly task: SyncTask;
  readonly enqueuedAt: number;
}

/** What the queue carries: webhook events and pull-sync tasks. */
export type Job = EventJob | SyncJob;

export function isSyncJob(job: Job): job is SyncJob {
  return job.kind === "sync";
}

/** What logs, metrics and FIFO groups call a job: the event, or the sync task (its run, stream and window). */
export interface JobIdentity {
  readonly id: string;
  readonly vendor: string;
  readonly type: string;
  /** The vendor's user id for an event; our user id for a sync task. */
  readonly userId: string;
}

export function jobIdentity(job: Job): JobIdentity {
  if (!isSyncJob(job)) return { id: job.event.id, vendor: job.event.vendor, type: job.event.type, userId: job.event.userId };
  const { task } = job;
  const id = task.kind === "sync-window" ? `sync:${task.runId}:${task.stream}:${task.index}` : `sync:${task.runId}`;
  return { id, vendor: task.vendor, type: task.kind, userId: task.userId };
}

export interface EnqueueFailure {
  readonly event: NormalizedEvent;
  readonly reason: string;
}

export interface EnqueueResult {
  readonly enqueued: readonly string[];
  /** Events that could not be stored after retries. The caller must not acknowledge them to the vendor. */
  readonly failed: readonly EnqueueFailure[];
}

export interface ReceivedJob {
  readonly job: Job;
  /** Opaque handle for ack / extend / release of this delivery. */
  readonly receipt: string;
  /** 1 on first delivery. */
  readonly receiveCount: number;
}

export interface ReceiveOptions {
  readonly maxJobs?: number;
  /** Long-poll: wait up to this long for a job. */
  readonly waitMs?: number;
  /** How long a received job stays invisible to other workers before it reappears. */
  readonly visibilityTimeoutMs?: number;
}

/** At-least-once job queue with visibility timeouts and dead-lettering after `maxReceives` deliveries. */
export interface JobQueue {
  enqueue(events: readonly NormalizedEvent[]): Promise<EnqueueResult>;
  /** Stores every task or throws (backend_unavailable); tasks are idempotent, so a retry after a partial failure is safe. */
  enqueueSync(tasks: readonly SyncTask[]): Promise<void>;
  receive(options?: ReceiveOptions): Promise<ReceivedJob[]>;
  /** The job is done; delete it. */
  ack(receipt: string): Promise<void>;
  extendVisibility(receipt: string, visibilityTimeoutMs: number): Promise<void>;
  /** Give the job back for another try after `delayMs` (its receive count stays). */
  release(receipt: string, delayMs?: number): Promise<void>;
  /** Readiness: one cheap call that reaches the queue. Throws ConnectorError("backend_unavailable") when it cannot answer. */
  ping(): Promise<void>;
}

/** A job the queue gave up on after `maxReceives` deliveries. */
export interface DeadLetter {
  /** Names this dead letter for redrive and purge (SQLite: the job id; SQS: the dead-letter message id). */
  readonly id: string;
  /** Undefined for a message whose body is not a job (it is kept and can still be purged or redriven as it is). */
  readonly job: Job | undefined;
  /** Deliveries it had, where the backend knows. */
  readonly receiveCount?: number;
  /** Epoch ms, where the backend knows. */
  readonly deadLetteredAt?: number;
}

export interface ListDeadLettersOptions {
  /** At most this many. Default 100. */
  readonly limit?: number;
}

/**
 * The dead letters of a job queue, for operators (`synheart-connector jobs dlq`). Redrive puts a job back into the
 * queue before it leaves the dead letters, so a crash in between can duplicate a job but never lose one.
 */
export interface DeadLetterQueue {
  listDeadLetters(options?: ListDeadLettersOptions): Promise<DeadLetter[]>;
  /** Moves every dead letter (or the named ones) back to the queue, delivered again from receive count 1. Returns how many. */
  redriveDeadLetters(ids?: readonly string[]): Promise<number>;
  /** Deletes every dead letter (or the named ones). Returns how many. */
  purgeDeadLetters(ids?: readonly string[]): Promise<number>;
}

export function hasDeadLetterQueue(queue: JobQueue): queue is JobQueue & DeadLetterQueue {
  const candidate = queue as Partial<DeadLetterQueue>;
  return typeof candidate.listDeadLetters === "function" && typeof candidate.redriveDeadLetters === "function" && typeof candidate.purgeDeadLetters === "function";
}
