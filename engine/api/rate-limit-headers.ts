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

type Windows = NonNullable<DeepReadonly<RateLimits>["windows"]>;

/**
 * Reads the manifest's rate-limit headers. The reset header is read as the manifest's `resetUnit` (default: seconds
 * until reset, as WHOOP and Fitbit send), except that a value only an epoch time can be is read as one.
 *
 * A limit header with several plain comma-separated numbers is several windows (Strava: `X-RateLimit-Limit: 200,2000`
 * with `X-RateLimit-Usage: 12,300`, the 15-minute window then the daily one): each is read with the usage (or
 * remaining) value at the same position, and `remaining` is the smallest. A window used up without a reset header
 * resets at the next natural boundary of the manifest window at the same position (Strava's quarter hours, midnight
 * UTC). A reset header with one value beside several windows is the reset of whichever window is used up (Wahoo:
 * `X-RateLimit-Limit: 5000, 1000, 200`, `X-RateLimit-Remaining: 4800, 800, 0`, `X-RateLimit-Reset: 300`). Other lists (WHOOP's `100, 100;window=60, 10000;window=86400`) give their first value.
 */
export function readRateLimitSignal(headers: Headers, names: HeaderNames | undefined, now: number, windows?: Windows): RateLimitSignal {
  const limits = names?.limit ? plainNumbers(headers.get(names.limit)) : undefined;
  if (limits && limits.length > 1) return readWindows(headers, names!, limits, now, windows);
  const limit = names?.limit ? firstNumber(headers.get(names.limit)) : undefined;
  const usage = names?.usage ? firstNumber(headers.get(names.usage)) : undefined;
  const remainingHeader = names?.remaining ? firstNumber(headers.get(names.remaining)) : undefined;
  const remaining = remainingHeader ?? (limit !== undefined && usage !== undefined ? Math.max(0, limit - usage) : undefined);
  const resetValue = names?.reset ? firstNumber(headers.get(names.reset)) : undefined;
  let resetAt = resetValue === undefined ? undefined : resetTime(resetValue, names?.resetUnit ?? "seconds", now);
  if (resetAt === undefined && remaining === 0 && windows?.[0]) resetAt = nextBoundary(now, windows[0].periodSeconds);
  const retryAt = parseRetryAfter(headers.get(names?.retryAfter ?? "retry-after"), now);
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetAt === undefined ? {} : { resetAt }),
    ...(retryAt === undefined ? {} : { retryAt }),
  };
}

function readWindows(headers: Headers, names: HeaderNames, limits: readonly number[], now: number, windows: Windows | undefined): RateLimitSignal {
  const usages = names.usage ? plainNumbers(headers.get(names.usage)) : undefined;
  const remainders = names.remaining ? plainNumbers(headers.get(names.remaining)) : undefined;
  const resets = names.reset ? plainNumbers(headers.get(names.reset)) : undefined;
  const sharedReset = resets?.length === 1 ? resets[0] : undefined;
  let remaining: number | undefined;
  let resetAt: number | undefined;
  limits.forEach((limit, i) => {
    const left = remainders?.[i] ?? (usages?.[i] === undefined ? undefined : Math.max(0, limit - usages[i]!));
    if (left === undefined) return;
    remaining = remaining === undefined ? left : Math.min(remaining, left);
    if (left > 0) return;
    const resetValue = resets?.[i] ?? sharedReset;
    const reset = resetValue === undefined ? undefined : resetTime(resetValue, names.resetUnit ?? "seconds", now);
    const period = windows?.[i]?.periodSeconds;
    const windowResetAt = reset ?? (period === undefined ? undefined : nextBoundary(now, period));
    // Every used-up window must have reset before the next call: wait for the latest.
    if (windowResetAt !== undefined) resetAt = Math.max(resetAt ?? 0, windowResetAt);
  });
  const retryAt = parseRetryAfter(headers.get(names.retryAfter ?? "retry-after"), now);
  return {
    limit: Math.min(...limits),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetAt === undefined ? {} : { resetAt }),
    ...(retryAt === undefined ? {} : { retryAt }),
  };
}

/** The next multiple of the period since the epoch: quarter hours for 900 s, midnight UTC for 86400 s. */
function nextBoundary(now: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return (Math.floor(now / periodMs) + 1) * periodMs;
}

/** "200,2000" as [200, 2000]; undefined for anything but plain comma-separated integers. */
function plainNumbers(value: string | null): number[] | undefined {
  if (value === null || !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(value)) return undefined;
  return value.split(",").map((part) => Number(part.trim()));
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
