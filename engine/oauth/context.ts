import type { Clock } from "../clock.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";

/** What every OAuth step needs to know about the vendor it talks to. */
export interface VendorContext {
  readonly vendor: VendorDefinition;
  readonly credentials: VendorCredentials;
  readonly clock: Clock;
  /** Timeout of one request to the vendor's token or revocation endpoint. Default 10 s. */
  readonly httpTimeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** An OAuth `error` code from a vendor, only when it looks like one (so nothing else ever reaches a message). */
export function safeErrorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}
