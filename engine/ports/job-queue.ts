import type { NormalizedEvent } from "../events.js";

export interface EventJob {
  readonly event: NormalizedEvent;
  readonly enqueuedAt: number;
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
  readonly job: EventJob;
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
  readonly job: EventJob | undefined;
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
