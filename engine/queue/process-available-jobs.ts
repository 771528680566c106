import { createLogger, type Logger } from "../logging/logger.js";
import type { JobQueue } from "../ports/job-queue.js";
import { jobFailure, reportJobFailure, type JobFailureHook } from "./job-failure.js";
import { forEachConcurrently } from "./concurrency.js";
import type { JobProcessor } from "./job-processor.js";
import type { RetryBackoff } from "./retry-delay.js";
import { runReceivedJob, type JobReport } from "./run-received-job.js";
import { jobIdentity } from "../ports/job-queue.js";

export interface DrainOptions {
  /** Stop after this many deliveries. Default: until the queue has nothing visible. */
  readonly maxJobs?: number;
  /** Jobs run at once. Default 1. */
  readonly concurrency?: number;
  /** Default 30 s. */
  readonly visibilityTimeoutMs?: number;
  readonly retry?: RetryBackoff;
  /** As the worker's: every failed attempt, `deadLettered` on the last one. */
  readonly onError?: JobFailureHook;
  /** Default: JSON lines (SYNHEART_LOG_LEVEL). */
  readonly logger?: Logger;
  /** Default: the queue's own `maxReceives`, when it has one. */
  readonly maxReceives?: number;
}

export interface DrainResult {
  readonly reports: readonly JobReport[];
  readonly delivered: number;
  readonly gone: number;
  readonly skipped: number;
  readonly failed: number;
}

/** Processes what is visible in the queue now, without long polling, and returns what happened. */
export async function processAvailableJobs(queue: JobQueue, process: JobProcessor, options: DrainOptions = {}): Promise<DrainResult> {
  const maxJobs = options.maxJobs ?? Number.POSITIVE_INFINITY;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const runOptions = { visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000, ...(options.retry ? { retry: options.retry } : {}) };
  const reports: JobReport[] = [];
  const logger = options.logger ?? createLogger();
  const queueMaxReceives = (queue as { maxReceives?: unknown }).maxReceives;
  const maxReceives = options.maxReceives ?? (typeof queueMaxReceives === "number" ? queueMaxReceives : undefined);
  while (reports.length < maxJobs) {
    const batch = await queue.receive({ maxJobs: Math.min(concurrency, maxJobs - reports.length), visibilityTimeoutMs: runOptions.visibilityTimeoutMs });
    if (batch.length === 0) break;
    await forEachConcurrently(batch, concurrency, async (received) => {
      const report = await runReceivedJob(queue, process, received, runOptions);
      reports.push(report);
      if (report.result === "failed") {
        reportJobFailure(jobFailure(jobIdentity(received.job), received.receiveCount, report.error, maxReceives, report.retryInMs), logger, options.onError);
      }
    });
  }
  const count = (status: string) => reports.filter((report) => report.result === "completed" && report.outcome.status === status).length;
  return {
    reports,
    delivered: count("delivered"),
    gone: count("gone"),
    skipped: count("skipped"),
    failed: reports.filter((report) => report.result === "failed").length,
  };
}
