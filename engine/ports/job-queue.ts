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
