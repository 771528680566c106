import { isConnectorError } from "../errors.js";

export interface RetryBackoff {
  /** Delay before the second delivery; doubles with each delivery. Default 2 s. */
  readonly baseMs?: number;
  /** Cap of the doubling. Default 15 min. */
  readonly maxMs?: number;
}

/** SQS caps a visibility timeout (what a release delay becomes) at 12 hours. */
const MAX_RELEASE_DELAY_MS = 12 * 60 * 60 * 1000;

/**
 * How long a failed job stays invisible before its next delivery: exponential in the receive count, with equal
 * jitter so jobs that failed together do not all come back together; at least as long as a rate limit asked.
 */
export function retryDelayMs(receiveCount: number, error: unknown, backoff: RetryBackoff = {}): number {
  const baseMs = backoff.baseMs ?? 2_000;
  const maxMs = backoff.maxMs ?? 15 * 60 * 1000;
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, receiveCount - 1));
  const jittered = step / 2 + Math.random() * (step / 2);
  const retryInMs = isConnectorError(error, "rate_limit_timeout") ? Number(error.details?.retryInMs) : Number.NaN;
  return Math.round(Math.min(MAX_RELEASE_DELAY_MS, Number.isFinite(retryInMs) ? Math.max(jittered, retryInMs) : jittered));
}
