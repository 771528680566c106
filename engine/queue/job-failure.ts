import { errorFields, type Logger } from "../logging/logger.js";
import type { NormalizedEvent } from "../events.js";
import { instruments } from "../metrics/instruments.js";

/** A job attempt that failed: retried later, or, on its last allowed delivery, headed for the dead letters. */
export interface JobFailure {
  readonly eventId: string;
  readonly vendor: string;
  readonly eventType: string;
  /** The delivery that failed; 1 on the first. */
  readonly receiveCount: number;
  /** The queue will not deliver it again: it moves to the dead-letter store. Undefined when maxReceives is unknown. */
  readonly deadLettered: boolean | undefined;
  /** The SQS message that carried it (Lambda worker only), for finding it in the queue or the dead-letter queue. */
  readonly messageId?: string;
  /** When it becomes visible again (worker only). */
  readonly retryInMs?: number;
  /** What the job processor threw. Never logged as an object: only its code, type and message are. */
  readonly error: unknown;
}

export type JobFailureHook = (failure: JobFailure) => void;

export function jobFailure(event: Pick<NormalizedEvent, "id" | "vendor" | "type">, receiveCount: number, error: unknown, maxReceives: number | undefined, retryInMs?: number): JobFailure {
  return {
    eventId: event.id,
    vendor: event.vendor,
    eventType: event.type,
    receiveCount,
    deadLettered: maxReceives === undefined ? undefined : receiveCount >= maxReceives,
    ...(retryInMs !== undefined ? { retryInMs } : {}),
    error,
  };
}

/** A warn line for a failure that will be retried, an error line for one that is dead-lettered; then the hook. */
export function reportJobFailure(failure: JobFailure, logger: Logger | undefined, onError: JobFailureHook | undefined): void {
  const fields = {
    kind: "job",
    eventId: failure.eventId,
    vendor: failure.vendor,
    eventType: failure.eventType,
    receiveCount: failure.receiveCount,
    ...(failure.messageId !== undefined ? { messageId: failure.messageId } : {}),
    ...(failure.retryInMs !== undefined ? { retryInMs: failure.retryInMs } : {}),
    ...errorFields(failure.error),
  };
  if (failure.deadLettered) instruments().jobs.add(1, { vendor: failure.vendor, outcome: "dead_lettered" });
  if (failure.deadLettered) logger?.error("job failed on its last delivery and moves to the dead letters", { ...fields, outcome: "dead_lettered" });
  else logger?.warn("job failed; it will be retried", { ...fields, outcome: "retry" });
  try {
    onError?.(failure);
  } catch {
    // A failing hook must not take the worker down.
  }
}
