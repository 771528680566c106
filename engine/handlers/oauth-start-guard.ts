import { isIPv6 } from "node:net";
import type { RateLimiter, RateWindow } from "../ports/rate-limiter.js";

/**
 * What `/oauth/:vendor/start` lets through before it stores anything. Everything here runs before the caller is
 * known, so it is small: length caps on every parameter, then token buckets per client address and for the whole
 * service, and, once the user is known, per user. The pending authorizations one start stores are bounded by these
 * rates times the pending TTL (defaults: 300 starts a minute over 10 minutes, each row under 2 KB).
 */
export interface StartRateLimits {
  /** Per client address (the adapter's sourceIp). Default 30 a minute. */
  readonly perClient?: readonly RateWindow[];
  /** Per vendor and user. Default 10 in 10 minutes. */
  readonly perUser?: readonly RateWindow[];
  /** All starts of this service together. Default 300 a minute. */
  readonly global?: readonly RateWindow[];
}

export const DEFAULT_START_RATE_LIMITS: Required<StartRateLimits> = {
  perClient: [{ limit: 30, periodSeconds: 60 }],
  perUser: [{ limit: 10, periodSeconds: 600 }],
  global: [{ limit: 300, periodSeconds: 60 }],
};

export const START_PARAMETER_LIMITS = {
  /** The whole query string. */
  query: 2048,
  userId: 256,
  scope: 512,
  scopeCount: 32,
  link: 1024,
} as const;

export interface StartParameters {
  readonly userId?: string;
  readonly scopes?: readonly string[];
  readonly link?: string;
}

export type ParameterCheck = { readonly ok: true; readonly parameters: StartParameters } | { readonly ok: false; readonly reason: string };

/** Length and shape caps on the start route's query; anything over is refused (400), never stored or truncated. */
export function checkStartParameters(url: URL): ParameterCheck {
  if (url.search.length > START_PARAMETER_LIMITS.query) return { ok: false, reason: "query" };
  const query = url.searchParams;
  for (const name of ["userId", "scope", "link"]) if (query.getAll(name).length > 1) return { ok: false, reason: name };
  const userId = query.get("userId") ?? undefined;
  // eslint-disable-next-line no-control-regex
  if (userId !== undefined && (userId === "" || userId.length > START_PARAMETER_LIMITS.userId || /[\u0000-\u001f\u007f]/.test(userId))) {
    return { ok: false, reason: "userId" };
  }
  const scope = query.get("scope") ?? undefined;
  let scopes: string[] | undefined;
  if (scope !== undefined) {
    scopes = scope.split(/[\s,]+/).filter(Boolean);
    // eslint-disable-next-line no-control-regex
    if (scope.length > START_PARAMETER_LIMITS.scope || scopes.length > START_PARAMETER_LIMITS.scopeCount || /[\u0000-\u001f\u007f]/.test(scope)) {
      return { ok: false, reason: "scope" };
    }
  }
  const link = query.get("link") ?? undefined;
  if (link !== undefined && (link.length > START_PARAMETER_LIMITS.link || !/^[A-Za-z0-9._-]+$/.test(link))) return { ok: false, reason: "link" };
  return { ok: true, parameters: { ...(userId ? { userId } : {}), ...(scopes?.length ? { scopes } : {}), ...(link ? { link } : {}) } };
}

export type CapacityCheck = { readonly granted: true } | { readonly granted: false; readonly retryInMs: number };

/** Takes one start from each bucket in turn; the first refusal answers. */
export async function takeStartCapacity(
  rateLimiter: RateLimiter,
  buckets: readonly { readonly key: string; readonly windows: readonly RateWindow[] }[],
): Promise<CapacityCheck> {
  for (const bucket of buckets) {
    if (bucket.windows.length === 0) continue;
    const result = await rateLimiter.take(bucket.key, bucket.windows);
    if (!result.granted) return { granted: false, retryInMs: result.retryInMs };
  }
  return { granted: true };
}

export function clientBucket(limits: StartRateLimits, sourceIp: string | undefined) {
  return { key: `oauth-start:client:${clientKey(sourceIp)}`, windows: limits.perClient ?? DEFAULT_START_RATE_LIMITS.perClient };
}

/**
 * The address a client is counted under: an IPv4 address as it is, an IPv6 address by its /64 (one subscriber's
 * usual allocation; counting each of its 2^64 addresses apart would give one client unbounded buckets).
 */
export function clientKey(sourceIp: string | undefined): string {
  if (!sourceIp) return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(sourceIp);
  if (mapped) return mapped[1]!;
  if (isIPv6(sourceIp)) return `${expandIPv6(sourceIp).slice(0, 4).join(":")}::/64`;
  return sourceIp;
}

function expandIPv6(address: string): string[] {
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const middle = address.includes("::") ? Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0") : [];
  return [...left, ...middle, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""));
}

export function globalBucket(limits: StartRateLimits) {
  return { key: "oauth-start:global", windows: limits.global ?? DEFAULT_START_RATE_LIMITS.global };
}

export function userBucket(limits: StartRateLimits, vendorId: string, userId: string) {
  return { key: `oauth-start:user:${vendorId}:${userId}`, windows: limits.perUser ?? DEFAULT_START_RATE_LIMITS.perUser };
}
