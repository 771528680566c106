import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ConnectorError } from "../../errors.js";
import type { EncryptionContext, Encryptor, SealedEnvelope } from "../../ports/encryptor.js";

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface LocalKey {
  readonly id: string;
  /** 32 bytes of AES-256 key material. */
  readonly key: Uint8Array;
}

/** Keys by id; `currentKeyId` seals, every key opens. */
export interface LocalKeyring {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

export function createKeyring(keys: readonly LocalKey[]): LocalKeyring {
  const [current] = keys;
  if (!current) throw new ConnectorError("missing_setting", "token keyring is empty");
  const byId = new Map<string, Uint8Array>();
  for (const { id, key } of keys) {
    if (!id || byId.has(id)) throw new ConnectorError("missing_setting", `token key ids must be unique and non-empty (key "${id}")`);
    if (key.length !== KEY_BYTES) throw new ConnectorError("missing_setting", `token key "${id}" must be ${KEY_BYTES} bytes`);
    byId.set(id, Uint8Array.from(key));
  }
  return { currentKeyId: current.id, keys: byId };
}

/** Unambiguous: ("a:b","c") and ("a","b:c") give different bytes. */
function associatedData(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(["synheart.connection.v1", context.vendor, context.userId]), "utf8");
}

/** AES-256-GCM under local keys. Each record gets a random IV; vendor and user are authenticated, not encrypted. */
export class LocalKeyEncryptor implements Encryptor {
  constructor(private readonly keyring: LocalKeyring) {}

  async seal(plaintext: Uint8Array, context: EncryptionContext): Promise<SealedEnvelope> {
    const key = this.keyring.keys.get(this.keyring.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: "A256GCM",
      keyId: this.keyring.currentKeyId,
      iv: iv.toString("base64"),
      ciphertext: ciphertext.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
    };
  }

  async open(envelope: SealedEnvelope, context: EncryptionContext): Promise<Uint8Array> {
    if (envelope.alg !== "A256GCM") throw failure(context, "unsupported algorithm");
    if (envelope.encryptedDataKey !== undefined) throw failure(context, "envelope was sealed with a wrapped data key");
    const key = this.keyring.keys.get(envelope.keyId);
    if (!key) throw failure(context, "unknown key id");
    const iv = Buffer.from(envelope.iv, "base64");
    const tag = Buffer.from(envelope.tag, "base64");
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw failure(context, "malformed envelope");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(context));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, "base64")), decipher.final()]);
      return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    } catch {
      // The underlying error says nothing useful and must not travel with key or data.
      throw failure(context, "authentication failed");
    }
  }
}

function failure(context: EncryptionContext, reason: string): ConnectorError {
  return new ConnectorError("decryption_failed", `cannot open sealed tokens: ${reason}`, { vendor: context.vendor });
}
