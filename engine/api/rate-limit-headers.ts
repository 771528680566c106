import type { RateLimits } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

/** What a vendor response says about its rate limits, in absolute times. */
export interface RateLimitSignal {
  readonly limit?: number;
  readonly remaining?: number;
  /** Epoch ms when the current window resets. */
  readonly resetAt?: number;
  /** Epoch ms from Retry-After (delta-seconds or HTTP-date). */
  readonly retryAt?: number;
}

type HeaderNames = NonNullable<DeepReadonly<RateLimits>["headers"]>;

/** Numbers at least this large cannot be "seconds until reset": they are epoch seconds or milliseconds. */
const EPOCH_SECONDS_FLOOR = 1_000_000_000; // 2001-09-09
const EPOCH_MILLISECONDS_FLOOR = 1_000_000_000_000;

/**
 * Reads the manifest's rate-limit headers. The reset header is read as the manifest's `resetUnit` (default: seconds
 * until reset, as WHOOP and Fitbit send), except that a value only an epoch time can be is read as one.
 * A header listing several values (WHOOP's `X-RateLimit-Limit: 100, 100;window=60, 10000;window=86400`) gives the first.
 */
export function readRateLimitSignal(headers: Headers, names: HeaderNames | undefined, now: number): RateLimitSignal {
  const limit = names?.limit ? firstNumber(headers.get(names.limit)) : undefined;
  const remaining = names?.remaining ? firstNumber(headers.get(names.remaining)) : undefined;
  const resetValue = names?.reset ? firstNumber(headers.get(names.reset)) : undefined;
  const resetAt = resetValue === undefined ? undefined : resetTime(resetValue, names?.resetUnit ?? "seconds", now);
  const retryAt = parseRetryAfter(headers.get(names?.retryAfter ?? "retry-after"), now);
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetAt === undefined ? {} : { resetAt }),
    ...(retryAt === undefined ? {} : { retryAt }),
  };
}

export function resetTime(value: number, unit: "seconds" | "epoch-seconds" | "epoch-milliseconds", now: number): number {
  if (unit === "epoch-milliseconds" || value >= EPOCH_MILLISECONDS_FLOOR) return value;
  if (unit === "epoch-seconds" || value >= EPOCH_SECONDS_FLOOR) return value * 1000;
  return now + value * 1000;
}

/** RFC 9110 section 10.2.3: delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date;
}

function firstNumber(value: string | null): number | undefined {
  if (value === null) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)/.exec(value);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
