import { createPublicKey } from "node:crypto";
import type { PublicKeyEntry } from "./public-keys.js";

/**
 * Google's Tink JSON keysets, as the Google Health API publishes its webhook keys: each key's `keyData.value` is a
 * base64 protobuf EcdsaPublicKey { version = 1; params = 2; x = 3; y = 4 }. Only enabled P-256 keys are read; the key
 * id (`keyId`, decimal) is what a Tink signature names in its 5-byte prefix.
 */
export function tinkKeysetEntries(keyset: unknown): PublicKeyEntry[] {
  const keys = (keyset as { key?: unknown }).key;
  if (!Array.isArray(keys)) return [];
  const entries: PublicKeyEntry[] = [];
  for (const key of keys) {
    const { keyData, status, keyId, outputPrefixType } = (key ?? {}) as { keyData?: { typeUrl?: string; value?: string }; status?: string; keyId?: number; outputPrefixType?: string };
    if (status !== "ENABLED" || outputPrefixType !== "TINK" || typeof keyId !== "number" || typeof keyData?.value !== "string") continue;
    if (!keyData.typeUrl?.endsWith("google.crypto.tink.EcdsaPublicKey")) continue;
    try {
      const fields = protobufFields(Buffer.from(keyData.value, "base64"));
      const params = fields.get(2) ? protobufFields(fields.get(2)!) : undefined;
      if (params && params.has(2) && varintOf(params.get(2)!) !== NIST_P256) continue;
      const x = fixed32(fields.get(3));
      const y = fixed32(fields.get(4));
      if (!x || !y) continue;
      const jwk = { kty: "EC", crv: "P-256", x: x.toString("base64url"), y: y.toString("base64url") };
      entries.push({ kid: String(keyId >>> 0), key: createPublicKey({ key: jwk, format: "jwk" }) });
    } catch {
      continue; // a key we cannot read is not one we verify with
    }
  }
  return entries;
}

/** Tink's prefix of a TINK-output signature: 0x01 and the signing key's id (4 bytes, big-endian). */
export function splitTinkSignature(signature: Buffer): { kid: string; signature: Buffer } | undefined {
  if (signature.length <= 5 || signature[0] !== 0x01) return undefined;
  return { kid: String(signature.readUInt32BE(1)), signature: signature.subarray(5) };
}

/** Tink's EllipticCurveType NIST_P256. */
const NIST_P256 = 2;

/** Length-delimited and varint fields of one protobuf message by number (last one wins; enough for a public key). */
function protobufFields(bytes: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let at = 0;
  while (at < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, at);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const [, next] = readVarint(bytes, afterTag);
      fields.set(field, bytes.subarray(afterTag, next));
      at = next;
    } else if (wire === 2) {
      const [length, start] = readVarint(bytes, afterTag);
      if (start + length > bytes.length) throw new Error("truncated");
      fields.set(field, bytes.subarray(start, start + length));
      at = start + length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

function readVarint(bytes: Buffer, start: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let at = start; at < bytes.length && shift < 35; at++) {
    value |= (bytes[at]! & 0x7f) << shift;
    if ((bytes[at]! & 0x80) === 0) return [value >>> 0, at + 1];
    shift += 7;
  }
  throw new Error("bad varint");
}

function varintOf(bytes: Buffer): number {
  return readVarint(bytes, 0)[0];
}

/** A big-endian integer (Tink may add a leading zero byte) as exactly 32 bytes. */
function fixed32(bytes: Buffer | undefined): Buffer | undefined {
  if (!bytes) return undefined;
  let start = 0;
  while (bytes.length - start > 32 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if (trimmed.length > 32) return undefined;
  return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
}

/**
 * A Tink JSON keyset holding one P-256 public key, as Google publishes them: for tests and the fixture runner, which
 * play the vendor. Inverse of `tinkKeysetEntries`.
 */
export function tinkPublicKeyset(publicKey: import("node:crypto").KeyObject, keyId: number): string {
  const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
  const params = Buffer.concat([field(1, varint(3)), field(2, varint(NIST_P256)), field(3, varint(2))]); // SHA256, NIST_P256, DER
  const key = Buffer.concat([field(1, varint(0)), bytesField(2, params), bytesField(3, Buffer.from(jwk.x, "base64url")), bytesField(4, Buffer.from(jwk.y, "base64url"))]);
  return JSON.stringify({
    primaryKeyId: keyId,
    key: [
      {
        keyData: { typeUrl: "type.googleapis.com/google.crypto.tink.EcdsaPublicKey", value: key.toString("base64"), keyMaterialType: "ASYMMETRIC_PUBLIC" },
        status: "ENABLED",
        keyId,
        outputPrefixType: "TINK",
      },
    ],
  });
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function field(number: number, encodedVarint: Buffer): Buffer {
  return Buffer.concat([varint(number << 3), encodedVarint]);
}

function bytesField(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}
