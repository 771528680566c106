import { sleep, type Clock } from "../clock.js";
import { ConnectorError } from "../errors.js";
import type { RateLimits } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { instruments } from "../metrics/instruments.js";
import type { RateLimiter, RateWindow } from "../ports/rate-limiter.js";

/** One token bucket of the RateLimiter port and the windows enforced on it. */
export interface RateLimitBucket {
  readonly key: string;
  readonly windows: readonly RateWindow[];
}

export function appBucketKey(vendor: string): string {
  return `ratelimit:${vendor}:app`;
}

export function userBucketKey(vendor: string, userId: string): string {
  return `ratelimit:${vendor}:user:${userId}`;
}

/**
 * The buckets a request for `userId` draws from: one per app and one per user, each with the manifest's windows of
 * that kind. The app bucket is always taken, even without windows, so a pause the vendor announced (429) applies.
 */
export function rateLimitBuckets(vendor: string, rateLimits: DeepReadonly<RateLimits> | undefined, userId: string | undefined): RateLimitBucket[] {
  const windows = rateLimits?.windows ?? [];
  const appWindows = windows.filter((window) => window.per === "app").map(toWindow);
  const userWindows = windows.filter((window) => window.per === "user").map(toWindow);
  const buckets: RateLimitBucket[] = [{ key: appBucketKey(vendor), windows: appWindows }];
  if (userId !== undefined && userWindows.length > 0) buckets.push({ key: userBucketKey(vendor, userId), windows: userWindows });
  return buckets;
}

/**
 * Which buckets to pause when the vendor says stop: the user's bucket when the manifest only limits per user
 * (Fitbit), otherwise the app's (a vendor that does not say which limit it hit is treated as limiting the app).
 */
export function bucketsToPause(buckets: readonly RateLimitBucket[]): RateLimitBucket[] {
  const [app, user] = buckets;
  if (user && app && app.windows.length === 0) return [user];
  return app ? [app] : [];
}

export interface AcquireOptions {
  /** Epoch ms; waiting past it fails with rate_limit_timeout. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** Waits on the RateLimiter port until every bucket has granted one request, or the deadline would pass. */
export async function acquireCapacity(
  limiter: RateLimiter,
  buckets: readonly RateLimitBucket[],
  clock: Clock,
  options: AcquireOptions,
  vendor: string,
): Promise<void> {
  // Buckets are taken one after the other; a granted bucket is not taken again while a later one is waited for.
  for (const bucket of buckets) {
    for (;;) {
      const result = await limiter.take(bucket.key, bucket.windows);
      if (result.granted) break;
      const now = clock();
      if (now + result.retryInMs > options.deadline) {
        throw new ConnectorError(
          "rate_limit_timeout",
          `${vendor}: rate limit leaves no capacity before the deadline (next in ${Math.ceil(result.retryInMs)} ms)`,
          { vendor, details: { retryInMs: result.retryInMs } },
        );
      }
      // A little jitter so that many waiters do not wake in the same millisecond.
      const waitMs = Math.max(1, result.retryInMs) + Math.random() * 5;
      const meters = instruments();
      meters.rateLimitWaits.add(1, { vendor });
      meters.rateLimitWaitDuration.record(waitMs, { vendor });
      await sleep(waitMs, options.signal);
    }
  }
}

/**
 * The vendor's window as our bucket: the same rate, a burst a tenth smaller. Requests leave the bucket in order, but
 * reach the vendor after a delay that varies (a busy event loop, a new connection); a vendor counting at arrival sees
 * them bunched. Once our bucket runs empty, the vendor's holds exactly the burst we left unused, so that slack is what
 * absorbs the bunching (50/s: 5 requests, 100 ms of it) without lowering the rate; it costs the tenth once, at start.
 */
export function toWindow(window: { readonly limit: number; readonly periodSeconds: number }): RateWindow {
  return { limit: window.limit, periodSeconds: window.periodSeconds, burst: window.limit - Math.floor(window.limit / 10) };
}
