import { createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from "node:crypto";
import { ConnectorError } from "../errors.js";
import { tinkKeysetEntries } from "./tink-keyset.js";

export type AsymmetricAlgorithm = "ecdsa-p256-sha256" | "ed25519";

/** One verification key, with the id (JWK `kid`) a vendor may name it by. */
export interface PublicKeyEntry {
  readonly kid?: string;
  readonly key: KeyObject;
}

/** More keys than this in one setting or JWK Set is not a key rotation; the rest are ignored. */
export const MAX_KEYS = 10;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * Public keys from a setting: PEM (public keys or certificates, several blocks allowed), a JWK, a JWK Set, or base64 of
 * the raw key (Ed25519: 32 bytes; P-256: the 65-byte uncompressed point) or of its SPKI DER. Throws `missing_setting`
 * (naming no value) for anything else, for a key of another algorithm, and for a private key in place of a public one.
 */
export function parsePublicKeys(text: string, algorithm: AsymmetricAlgorithm, vendor: string, keyPrefix?: string): PublicKeyEntry[] {
  const trimmed = text.trim();
  const invalid = (why: string) => new ConnectorError("missing_setting", `the webhook public key ${why}`, { vendor });
  if (/PRIVATE KEY/.test(trimmed) || /"d"\s*:/.test(trimmed)) throw invalid("setting holds a private key: give the public key only");
  let entries: PublicKeyEntry[];
  if (trimmed.startsWith("-----BEGIN")) {
    const blocks = [...trimmed.matchAll(PEM_BLOCK)];
    if (blocks.length === 0) throw invalid("is not valid PEM");
    entries = blocks.map(([block, label]) => ({ key: label === "CERTIFICATE" ? new X509Certificate(block).publicKey : tryKey(() => createPublicKey(block), invalid) }));
  } else if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw invalid("is not valid JSON (a JWK or a JWK Set)");
    }
    const set = parsed as { keys?: unknown; key?: unknown };
    if (Array.isArray(set.keys)) entries = jwkSetEntries(set.keys, algorithm);
    else if (Array.isArray(set.key)) entries = algorithm === "ecdsa-p256-sha256" ? tinkKeysetEntries(parsed) : [];
    else entries = [jwkEntry(parsed as JsonWebKey, invalid)];
  } else {
    const base64 = keyPrefix && trimmed.startsWith(keyPrefix) ? trimmed.slice(keyPrefix.length) : trimmed;
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64)) throw invalid("is not PEM, a JWK or base64");
    entries = [{ key: rawKey(Buffer.from(base64, "base64"), algorithm, invalid) }];
  }
  if (entries.length === 0) throw invalid(`set holds no ${algorithm} key`);
  for (const entry of entries) if (!fitsAlgorithm(entry.key, algorithm)) throw invalid(`is not an ${algorithm} key`);
  return entries.slice(0, MAX_KEYS);
}

/** The keys of a fetched JWK Set that fit the algorithm; others (encryption keys, other curves) are skipped. */
export function jwkSetEntries(keys: readonly unknown[], algorithm: AsymmetricAlgorithm): PublicKeyEntry[] {
  const entries: PublicKeyEntry[] = [];
  for (const jwk of keys) {
    if (!jwk || typeof jwk !== "object") continue;
    const { use, kty, crv, d } = jwk as { use?: unknown; kty?: unknown; crv?: unknown; d?: unknown };
    if ((use !== undefined && use !== "sig") || d !== undefined) continue;
    if (algorithm === "ed25519" ? kty !== "OKP" || crv !== "Ed25519" : kty !== "EC" || crv !== "P-256") continue;
    try {
      entries.push(jwkEntry(jwk as JsonWebKey, () => new Error("skip")));
    } catch {
      continue;
    }
    if (entries.length === MAX_KEYS) break;
  }
  return entries;
}

function jwkEntry(jwk: JsonWebKey, invalid: (why: string) => Error): PublicKeyEntry {
  const key = tryKey(() => createPublicKey({ key: jwk, format: "jwk" }), invalid);
  return typeof jwk.kid === "string" ? { kid: jwk.kid, key } : { key };
}

function rawKey(bytes: Buffer, algorithm: AsymmetricAlgorithm, invalid: (why: string) => Error): KeyObject {
  if (algorithm === "ed25519" && bytes.length === 32) {
    return tryKey(() => createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: bytes.toString("base64url") }, format: "jwk" }), invalid);
  }
  if (algorithm === "ecdsa-p256-sha256" && bytes.length === 65 && bytes[0] === 0x04) {
    const jwk = { kty: "EC", crv: "P-256", x: bytes.subarray(1, 33).toString("base64url"), y: bytes.subarray(33).toString("base64url") };
    return tryKey(() => createPublicKey({ key: jwk, format: "jwk" }), invalid);
  }
  return tryKey(() => createPublicKey({ key: bytes, format: "der", type: "spki" }), invalid);
}

function tryKey(make: () => KeyObject, invalid: (why: string) => Error): KeyObject {
  try {
    return make();
  } catch {
    throw invalid("cannot be read as a public key");
  }
}

function fitsAlgorithm(key: KeyObject, algorithm: AsymmetricAlgorithm): boolean {
  if (key.type !== "public") return false;
  if (algorithm === "ed25519") return key.asymmetricKeyType === "ed25519";
  return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
}
