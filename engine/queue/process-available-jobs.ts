import { createLogger, type Logger } from "../logging/logger.js";
import type { JobQueue } from "../ports/job-queue.js";
import { jobFailure, reportJobFailure, type JobFailureHook } from "./job-failure.js";
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
  // `concurrency` lanes, each taking the next job as soon as its own is done (no lane waits for a batch's slowest
  // job). A lane that finds the queue empty waits while others run, since a running job may enqueue more (a sync plan
  // enqueues its windows); once nothing runs and nothing is visible, every lane stops.
  let taken = 0;
  let running = 0;
  const idle: (() => void)[] = [];
  const wakeIdle = () => {
    for (const wake of idle.splice(0)) wake();
  };
  const lane = async () => {
    while (taken < maxJobs) {
      taken++;
      running++;
      let received: Awaited<ReturnType<JobQueue["receive"]>>[number] | undefined;
      try {
        [received] = await queue.receive({ maxJobs: 1, visibilityTimeoutMs: runOptions.visibilityTimeoutMs });
      } catch (error) {
        taken--;
        running--;
        wakeIdle();
        throw error;
      }
      if (!received) {
        taken--;
        running--;
        if (running === 0) return wakeIdle();
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      try {
        const report = await runReceivedJob(queue, process, received, runOptions);
        reports.push(report);
        if (report.result === "failed") {
          reportJobFailure(jobFailure(jobIdentity(received.job), received.receiveCount, report.error, maxReceives, report.retryInMs), logger, options.onError);
        }
      } finally {
        running--;
        wakeIdle();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const count = (status: string) => reports.filter((report) => report.result === "completed" && report.outcome.status === status).length;
  return {
    reports,
    delivered: count("delivered"),
    gone: count("gone"),
    skipped: count("skipped"),
    failed: reports.filter((report) => report.result === "failed").length,
  };
}
