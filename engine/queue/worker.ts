import { sleep } from "../clock.js";
import { createLogger, errorFields, type Logger } from "../logging/logger.js";
import { observeQueueDepth } from "../metrics/queue-depth.js";
import type { JobQueue } from "../ports/job-queue.js";
import { jobFailure, reportJobFailure, type JobFailureHook } from "./job-failure.js";
import type { JobProcessor } from "./job-processor.js";
import type { RetryBackoff } from "./retry-delay.js";
import { runReceivedJob, type JobReport, type QueueOperation } from "./run-received-job.js";
import { jobIdentity } from "../ports/job-queue.js";

export interface WorkerOptions {
  readonly queue: JobQueue;
  readonly process: JobProcessor;
  /** Jobs in flight at most. Default 4. */
  readonly concurrency?: number;
  /** Invisibility of a received job; extended every half of it while the job runs. Default 30 s. */
  readonly visibilityTimeoutMs?: number;
  /** Long-poll wait of one receive. Default 20 s (the SQS maximum); `stop()` may wait this long for a poll to return. */
  readonly waitMs?: number;
  /** Delay before a failed job is delivered again. */
  readonly retry?: RetryBackoff;
  /** Pause after a failed receive (queue down) before polling again. Default 1 s. */
  readonly receiveErrorDelayMs?: number;
  readonly onReport?: (report: JobReport) => void;
  readonly onQueueError?: (error: unknown, operation: QueueOperation) => void;
  /** Called for every failed attempt, with `deadLettered` true on the last one the queue allows. */
  readonly onError?: JobFailureHook;
  /** Failed and dead-lettered jobs and queue errors are logged here. Default: JSON lines (SYNHEART_LOG_LEVEL). */
  readonly logger?: Logger;
  /** Deliveries before the queue dead-letters a job. Default: the queue's own `maxReceives`, when it has one. */
  readonly maxReceives?: number;
}

export interface Worker {
  /** Starts polling; does nothing when already running. */
  start(): void;
  /** Stops receiving, lets jobs in flight finish (acknowledged or released), then resolves. */
  stop(): Promise<void>;
  readonly running: boolean;
  readonly inFlight: number;
}

/** Polls the queue and processes jobs with bounded concurrency. */
export function createWorker(options: WorkerOptions): Worker {
  const { queue, process } = options;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
  const waitMs = options.waitMs ?? 20_000;
  const receiveErrorDelayMs = options.receiveErrorDelayMs ?? 1_000;
  const inFlight = new Set<Promise<void>>();
  const logger = options.logger ?? createLogger();
  const maxReceives = options.maxReceives ?? (queue as { maxReceives?: unknown }).maxReceives;
  const knownMaxReceives = typeof maxReceives === "number" ? maxReceives : undefined;
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let stopObservingDepth: (() => void) | undefined;

  const report = (jobReport: JobReport) => {
    if (jobReport.result === "failed") {
      const { received } = jobReport;
      reportJobFailure(jobFailure(jobIdentity(received.job), received.receiveCount, jobReport.error, knownMaxReceives, jobReport.retryInMs), logger, options.onError);
    }
    try {
      options.onReport?.(jobReport);
    } catch {
      // A failing report callback must not take the worker down.
    }
  };
  const queueError = (error: unknown, operation: QueueOperation) => {
    logger.error(`job queue ${operation} failed`, { kind: "queue", operation, ...errorFields(error) });
    try {
      options.onQueueError?.(error, operation);
    } catch {
      // As above.
    }
  };

  const track = (run: Promise<JobReport>) => {
    const settled = run.then(report).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  };

  async function poll(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (inFlight.size >= concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      let batch;
      try {
        batch = await queue.receive({ maxJobs: concurrency - inFlight.size, waitMs, visibilityTimeoutMs });
      } catch (error) {
        queueError(error, "receive");
        await sleep(receiveErrorDelayMs, signal).catch(() => undefined);
        continue;
      }
      if (signal.aborted) {
        // Received while stopping: hand them straight back rather than start work the caller asked us not to.
        await Promise.all(batch.map((received) => queue.release(received.receipt, 0).catch(() => undefined)));
        break;
      }
      for (const received of batch) {
        track(runReceivedJob(queue, process, received, { visibilityTimeoutMs, ...(options.retry ? { retry: options.retry } : {}), onQueueError: queueError }));
      }
    }
    await Promise.all(inFlight);
  }

  return {
    start() {
      if (loop) return;
      stopping = new AbortController();
      stopObservingDepth = observeQueueDepth(queue);
      loop = poll(stopping.signal);
    },
    async stop() {
      if (!loop) return;
      stopping?.abort();
      stopObservingDepth?.();
      await loop;
      loop = undefined;
    },
    get running() {
      return loop !== undefined;
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
