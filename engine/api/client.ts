import type { HTTPError, KyInstance } from "ky";
import { lazyKyInstance, loadKy } from "./lazy-ky.js";
import { sleep, systemClock, type Clock } from "../clock.js";
import { ConnectorError } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import { renderTemplate, type TemplateValue } from "../manifest/template.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { RateLimiter } from "../ports/rate-limiter.js";
import { resolveApiBaseUrl } from "./base-url.js";
import { describeCause, safeCause, withoutUrlSecrets } from "../safe-cause.js";
import { acquireCapacity, bucketsToPause, rateLimitBuckets } from "./rate-limit-gate.js";
import { readRateLimitSignal } from "./rate-limit-headers.js";

/** Where the API client gets its bearer token. The token service provides one per user (`bearerTokenSource`). */
export interface BearerTokenSource {
  /** A valid access token, refreshed first when it is about to expire. */
  current(): Promise<string>;
  /**
   * The vendor answered 401 to `rejected`. Returns a fresh token to retry with (once), or undefined when there is none.
   * Throws ConnectorError("reauthorization_required") when the user must authorize again.
   */
  renew?(rejected: string): Promise<string | undefined>;
}

/** One attempt, for metrics and tests. */
export interface ApiAttempt {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly attempt: number;
  readonly durationMs: number;
}

export interface VendorApiClientOptions {
  readonly vendor: VendorDefinition;
  readonly credentials: VendorCredentials;
  readonly tokens: BearerTokenSource;
  readonly rateLimiter: RateLimiter;
  /** Our user id: selects the per-user rate-limit bucket and fills {userId} in header templates. */
  readonly userId?: string;
  /** More values for header templates, e.g. {vendorUserId}. */
  readonly templateValues?: Readonly<Record<string, TemplateValue>>;
  readonly clock?: Clock;
  /** How long one request may wait for rate-limit capacity, over all its attempts. Default 60 s. */
  readonly rateLimitWaitMs?: number;
  /** Retries of a 429 (within the wait deadline). Default 10. */
  readonly maxRateLimitRetries?: number;
  /** Retries of 5xx and network errors, idempotent methods only. Default 3. */
  readonly maxServerErrorRetries?: number;
  /** First backoff step for 5xx retries; doubles each time, capped at 30 s. Default 500 ms. */
  readonly backoffBaseMs?: number;
  /** Timeout of one attempt. Default 30 s. */
  readonly timeoutMs?: number;
  readonly onAttempt?: (attempt: ApiAttempt) => void;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const RETRIED_SERVER_STATUSES = new Set([500, 502, 503, 504]);

/**
 * A ky instance bound to the vendor's `api.baseUrl` (use paths without a leading slash: `api.get("v2/cycle")`), with
 * the manifest's static headers. Every attempt first waits for rate-limit capacity (all windows of the manifest),
 * then sends the current bearer token. A 401 renews the token and retries once; a 429 pauses the bucket until the
 * announced reset and retries; 5xx on idempotent methods retry with exponential backoff honouring Retry-After.
 * A response whose remaining-header says 0 pauses the bucket until its reset, so the next caller waits instead of
 * getting a 429.
 */
export function createVendorApiClient(options: VendorApiClientOptions): KyInstance {
  const { vendor, credentials } = options;
  const api = vendor.manifest.api;
  const lookup = templateLookup(credentials, { ...(options.userId ? { userId: options.userId } : {}), ...options.templateValues });
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(api.headers ?? {})) headers[name] = renderTemplate(template, lookup);
  const fetchThroughLimits = vendorFetch(options);
  return lazyKyInstance(async () =>
    (await loadKy()).create({
      prefixUrl: resolveApiBaseUrl(vendor.manifest, credentials),
      headers,
      retry: 0,
      timeout: false,
      fetch: fetchThroughLimits,
      hooks: { beforeError: [withoutRequestDetails] },
    }),
  );
}

/**
 * ky's HTTPError carries the request and the options it was made with (the manifest's static headers, such as a
 * subscription key) and the URL with its query (`access_token=`) in its message. What the caller gets keeps the
 * status, headers and body of the response and nothing of the request but its method and path.
 */
function withoutRequestDetails(error: HTTPError): HTTPError {
  const { request, response } = error;
  const url = new URL(request.url);
  const mutable = error as { -readonly [K in keyof HTTPError]: HTTPError[K] };
  mutable.message = withoutUrlSecrets(error.message);
  if (error.stack) mutable.stack = withoutUrlSecrets(error.stack);
  mutable.request = new Request(`${url.origin}${url.pathname}`, { method: request.method }) as HTTPError["request"];
  mutable.options = { method: request.method } as HTTPError["options"];
  try {
    mutable.response = new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers }) as HTTPError["response"];
  } catch {
    // a status Response cannot be built with: keep the original
  }
  return error;
}

/** The fetch function behind the client: rate limiting, bearer token, renew-on-401 and retries. */
export function vendorFetch(options: VendorApiClientOptions): typeof fetch {
  const clock = options.clock ?? systemClock;
  const vendorId = options.vendor.id;
  const rateLimits = options.vendor.manifest.api.rateLimits;
  const buckets = rateLimitBuckets(vendorId, rateLimits, options.userId);
  const pauseBuckets = bucketsToPause(buckets);
  const waitMs = options.rateLimitWaitMs ?? 60_000;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 10;
  const maxServerErrorRetries = options.maxServerErrorRetries ?? 3;
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 30_000;

  const pause = async (untilMs: number) => {
    await Promise.all(pauseBuckets.map((bucket) => options.rateLimiter.pauseUntil(bucket.key, untilMs)));
  };

  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? await request.arrayBuffer() : undefined;
    const method = request.method.toUpperCase();
    const deadline = clock() + waitMs;
    let renewed = false;
    let rateLimitedRetries = 0;
    let serverErrorRetries = 0;

    for (let attempt = 1; ; attempt++) {
      await acquireCapacity(options.rateLimiter, buckets, clock, { deadline, signal: request.signal }, vendorId);
      const token = await options.tokens.current();
      const attemptHeaders = new Headers(request.headers);
      attemptHeaders.set("authorization", `Bearer ${token}`);
      const started = clock();
      // One deadline per attempt for the answer and its whole body, held as our own timer and raced against both:
      // a vendor that stalls before its headers or in the middle of its body ends in a timeout on time. The body is
      // read here, so whatever follows (a retry, the caller's read) waits for nothing more from the network.
      const attemptDeadline = new AttemptDeadline(timeoutMs, request.signal);
      let response: Response;
      try {
        const answer = fetch(request.url, {
          method,
          headers: attemptHeaders,
          ...(body === undefined ? {} : { body }),
          redirect: request.redirect,
          signal: attemptDeadline.signal,
        });
        response = await attemptDeadline.race(answer.then(buffered));
      } catch (error) {
        if (request.signal.aborted) throw error;
        if (!IDEMPOTENT.has(method) || serverErrorRetries >= maxServerErrorRetries) throw attemptFailed(vendorId, method, request.url, error, timeoutMs);
        serverErrorRetries++;
        await sleep(backoff(backoffBaseMs, serverErrorRetries), request.signal);
        continue;
      } finally {
        attemptDeadline.clear();
      }
      const now = clock();
      options.onAttempt?.({ method, url: request.url, status: response.status, attempt, durationMs: now - started });
      const signal = readRateLimitSignal(response.headers, rateLimits?.headers, now, rateLimits?.windows);

      if (response.status === 429) {
        const until = signal.retryAt ?? signal.resetAt ?? now + backoff(backoffBaseMs, rateLimitedRetries + 1);
        await pause(until);
        if (rateLimitedRetries >= maxRateLimitRetries) return response;
        if (until > deadline) {
          await response.body?.cancel();
          throw new ConnectorError("rate_limit_timeout", `${vendorId}: rate limited until after the deadline`, {
            vendor: vendorId,
            details: { retryInMs: until - now },
          });
        }
        rateLimitedRetries++;
        await response.body?.cancel();
        continue;
      }
      if (signal.remaining === 0 && signal.resetAt !== undefined && signal.resetAt > now) await pause(signal.resetAt);

      if (response.status === 401 && !renewed && options.tokens.renew) {
        renewed = true;
        const fresh = await options.tokens.renew(token);
        if (fresh !== undefined && fresh !== token) {
          await response.body?.cancel();
          continue;
        }
        return response;
      }
      if (RETRIED_SERVER_STATUSES.has(response.status) && IDEMPOTENT.has(method) && serverErrorRetries < maxServerErrorRetries) {
        serverErrorRetries++;
        const delay = signal.retryAt === undefined ? backoff(backoffBaseMs, serverErrorRetries) : Math.max(0, signal.retryAt - now);
        if (now + delay > deadline) return response;
        await response.body?.cancel();
        await sleep(delay, request.signal);
        continue;
      }
      return response;
    }
  };
}

/**
 * The deadline of one attempt: a timer we hold (cleared when the attempt is over) that aborts the request and rejects
 * whatever is raced against it, so the deadline holds even where an abort does not reach a stalled read. The
 * caller's own signal aborts it too.
 */
class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expired: Promise<never>;
  private readonly onCallerAbort: () => void;

  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal,
  ) {
    const { signal } = this.controller;
    this.expired = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    this.expired.catch(() => undefined);
    this.onCallerAbort = () => this.controller.abort(caller.reason);
    if (caller.aborted) this.onCallerAbort();
    else caller.addEventListener("abort", this.onCallerAbort, { once: true });
    this.timer = setTimeout(() => this.controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  race<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined); // settles after the deadline won the race: nothing waits for it then
    return Promise.race([work, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener("abort", this.onCallerAbort);
  }
}

class AttemptTimeout extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** The response with its body read whole (null-body statuses stay without one). */
async function buffered(response: Response): Promise<Response> {
  const bytes = await response.arrayBuffer();
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  return new Response(NULL_BODY_STATUSES.has(response.status) ? null : bytes, init);
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A failed attempt as the caller sees it: the method and path, never the query (it may hold a token) nor the request. */
function attemptFailed(vendorId: string, method: string, url: string, error: unknown, timeoutMs: number): ConnectorError {
  const path = new URL(url).pathname;
  if (error instanceof AttemptTimeout) {
    // vendor_api_error as any failed attempt (the job is retried); details say it was the deadline.
    return new ConnectorError("vendor_api_error", `${vendorId}: ${method} ${path} timed out: no complete answer within ${timeoutMs} ms`, {
      vendor: vendorId,
      details: { timedOut: true, timeoutMs },
    });
  }
  return new ConnectorError("vendor_api_error", `${vendorId}: ${method} ${path} failed (${describeCause(error)})`, {
    vendor: vendorId,
    cause: safeCause(error),
  });
}

/** Exponential backoff with equal jitter, capped at 30 s. */
function backoff(baseMs: number, attempt: number): number {
  const step = Math.min(30_000, baseMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}
