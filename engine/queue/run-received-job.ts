import type { JobQueue, ReceivedJob } from "../ports/job-queue.js";
import type { JobOutcome, JobProcessor } from "./job-processor.js";
import { retryDelayMs, type RetryBackoff } from "./retry-delay.js";
import { keepInvisible } from "./visibility-heartbeat.js";

/** What happened to one delivery of a job. */
export type JobReport =
  | {
      readonly result: "completed";
      readonly received: ReceivedJob;
      readonly outcome: JobOutcome;
      readonly durationMs: number;
      /** The ack failed: the job will be delivered again (at least once). */
      readonly ackError?: unknown;
    }
  | {
      readonly result: "failed";
      readonly received: ReceivedJob;
      readonly error: unknown;
      /** When the job becomes visible again. */
      readonly retryInMs: number;
      readonly durationMs: number;
      /** The release failed: the job reappears after its visibility timeout instead. */
      readonly releaseError?: unknown;
    };

export type QueueOperation = "receive" | "extendVisibility";

export interface JobRunOptions {
  readonly visibilityTimeoutMs: number;
  readonly retry?: RetryBackoff;
  readonly onQueueError?: (error: unknown, operation: QueueOperation) => void;
}

/**
 * Runs one delivery to its end: visibility kept extended while it runs, then acknowledged on any outcome, or released
 * with a backoff delay on a thrown error (the queue's receive count then dead-letters a job that keeps failing).
 * Never throws.
 */
export async function runReceivedJob(queue: JobQueue, process: JobProcessor, received: ReceivedJob, options: JobRunOptions): Promise<JobReport> {
  const started = performance.now();
  const heartbeat = keepInvisible(queue, received.receipt, options.visibilityTimeoutMs, (error) =>
    options.onQueueError?.(error, "extendVisibility"),
  );
  let outcome: JobOutcome;
  try {
    outcome = await process(received.job);
  } catch (error) {
    await heartbeat.stop();
    const retryInMs = retryDelayMs(received.receiveCount, error, options.retry);
    const releaseError = await queue.release(received.receipt, retryInMs).then(
      () => undefined,
      (failure: unknown) => failure ?? new Error("release failed"),
    );
    const durationMs = performance.now() - started;
    return { result: "failed", received, error, retryInMs, durationMs, ...(releaseError ? { releaseError } : {}) };
  }
  await heartbeat.stop();
  const ackError = await queue.ack(received.receipt).then(
    () => undefined,
    (failure: unknown) => failure ?? new Error("ack failed"),
  );
  return { result: "completed", received, outcome, durationMs: performance.now() - started, ...(ackError ? { ackError } : {}) };
}
