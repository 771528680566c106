export { createVendorApiClient, vendorFetch } from "./client.js";
export type { ApiAttempt, BearerTokenSource, VendorApiClientOptions } from "./client.js";
export { performApiCall, renderJson } from "./api-call.js";
export type { ApiCallResult } from "./api-call.js";
export { acquireCapacity, appBucketKey, bucketsToPause, rateLimitBuckets, userBucketKey } from "./rate-limit-gate.js";
export type { AcquireOptions, RateLimitBucket } from "./rate-limit-gate.js";
export { parseRetryAfter, readRateLimitSignal, resetTime } from "./rate-limit-headers.js";
export type { RateLimitSignal } from "./rate-limit-headers.js";
