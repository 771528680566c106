import { createHmac, timingSafeEqual } from "node:crypto";
import { ConnectorError } from "../errors.js";

/**
 * Signed connect links: the app's backend, which knows who is signed in, mints a short-lived token bound to a vendor,
 * a user id and an expiry; `GET /oauth/:vendor/start?link=<token>` accepts it in place of an `authorize` hook.
 *
 * Token: `v1.<base64url(JSON {v, u, e})>.<base64url(HMAC-SHA256(key, "synheart-connect-link.v1." + payload))>`.
 * Keys come as a list: the first signs, every one verifies, so a key can be rotated without breaking links in flight.
 */
export const CONNECT_LINK_KEY_ENV = "SYNHEART_CONNECT_LINK_KEY";
export const DEFAULT_CONNECT_LINK_TTL_SECONDS = 600;
export const MAX_CONNECT_LINK_TTL_SECONDS = 7 * 24 * 3600;
/** Longer than any link we mint (a 256-character user id fits); longer input is refused before any work. */
export const MAX_CONNECT_LINK_LENGTH = 1024;
const MIN_KEY_BYTES = 32;
const VERSION = "v1";
const DOMAIN = `synheart-connect-link.${VERSION}.`;

export interface ConnectLinkClaims {
  readonly vendor: string;
  readonly userId: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** Signing keys, the first signs. Each at least 32 bytes (e.g. `openssl rand -base64 32`). */
export type ConnectLinkKeys = readonly Uint8Array[];

/** Parses a comma-separated key list (`SYNHEART_CONNECT_LINK_KEY=new,old`); each key is used as its UTF-8 bytes. */
export function parseConnectLinkKeys(list: string | readonly string[]): ConnectLinkKeys {
  const items = (typeof list === "string" ? list.split(",") : list).map((item) => item.trim()).filter((item) => item !== "");
  return items.map((item, index) => {
    const key = Buffer.from(item, "utf8");
    if (key.length < MIN_KEY_BYTES) {
      throw new ConnectorError("missing_setting", `connect-link key ${index + 1} is shorter than ${MIN_KEY_BYTES} bytes (use e.g. openssl rand -base64 32)`);
    }
    return key;
  });
}

export function connectLinkKeysFromEnv(env: Readonly<Record<string, string | undefined>>): ConnectLinkKeys {
  const value = env[CONNECT_LINK_KEY_ENV];
  return value ? parseConnectLinkKeys(value) : [];
}

export function mintConnectLink(keys: ConnectLinkKeys, claims: ConnectLinkClaims): string {
  const signing = keys[0];
  if (!signing) throw new ConnectorError("missing_setting", `no connect-link key: set ${CONNECT_LINK_KEY_ENV} (at least ${MIN_KEY_BYTES} bytes)`);
  const payload = Buffer.from(JSON.stringify({ v: claims.vendor, u: claims.userId, e: Math.floor(claims.expiresAt / 1000) }), "utf8").toString("base64url");
  return `${VERSION}.${payload}.${sign(signing, payload).toString("base64url")}`;
}

/**
 * The claims of a link minted with one of `keys`, for `vendor`, not expired. Anything else is connect_link_invalid,
 * with a reason for logs that never repeats the token.
 */
export function verifyConnectLink(keys: ConnectLinkKeys, token: string, expected: { vendor: string; now: number }): ConnectLinkClaims {
  const invalid = (reason: string) => new ConnectorError("connect_link_invalid", `${expected.vendor}: connect link ${reason}`, { vendor: expected.vendor, details: { reason } });
  if (keys.length === 0) throw invalid("cannot be checked: no key is configured");
  if (token.length > MAX_CONNECT_LINK_LENGTH) throw invalid("is too long");
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2]) throw invalid("is malformed");
  const payload = parts[1];
  const presented = Buffer.from(parts[2], "base64url");
  // One spelling per signature: base64url's spare bits would otherwise let one link be written several ways.
  if (presented.toString("base64url") !== parts[2]) throw invalid("is malformed");
  // Every key is tried, whichever matches: the time taken does not say which key signed.
  let matched = false;
  for (const key of keys) {
    const mac = sign(key, payload);
    if (presented.length === mac.length && timingSafeEqual(presented, mac)) matched = true;
  }
  if (!matched) throw invalid("has a bad signature");
  let claims: { v?: unknown; u?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
  } catch {
    throw invalid("is malformed");
  }
  if (typeof claims.v !== "string" || typeof claims.u !== "string" || typeof claims.e !== "number" || claims.u === "") throw invalid("is malformed");
  if (claims.v !== expected.vendor) throw invalid("is for another vendor");
  const expiresAt = claims.e * 1000;
  if (expiresAt <= expected.now) throw invalid("has expired");
  return { vendor: claims.v, userId: claims.u, expiresAt };
}

function sign(key: Uint8Array, payload: string): Buffer {
  return createHmac("sha256", key).update(DOMAIN).update(payload).digest();
}
