import * as crypto from "node:crypto";

type Encoding = "hex" | "base64url";

// crypto.hash (Node >= 20.12) digests in one call, without building a Hash object: several times faster for the
// short inputs hashed per webhook.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: Encoding | "buffer") => string | Buffer }).hash;

export function sha256(data: string | Uint8Array, encoding: Encoding): string {
  return oneShot ? (oneShot("sha256", data, encoding) as string) : crypto.createHash("sha256").update(data).digest(encoding);
}

export function sha256Bytes(data: string | Uint8Array): Buffer {
  return oneShot ? (oneShot("sha256", data, "buffer") as Buffer) : crypto.createHash("sha256").update(data).digest();
}
