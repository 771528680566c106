import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const comparisonKey = randomBytes(32);

/**
 * Compares two secrets in time independent of where they differ and of their lengths: both sides are
 * hashed with a per-process random key first, so even the length check cannot leak.
 */
export function secretsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const digestA = createHmac("sha256", comparisonKey).update(a).digest();
  const digestB = createHmac("sha256", comparisonKey).update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
