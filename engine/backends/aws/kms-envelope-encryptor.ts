import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KMSClient } from "@aws-sdk/client-kms";
import { ConnectorError } from "../../errors.js";
import { systemClock, type Clock } from "../../clock.js";
import type { EncryptionContext, Encryptor, SealedEnvelope } from "../../ports/encryptor.js";
import { backendUnavailable, isAwsError } from "./aws-errors.js";
import { DataKeyCache, defaultDataKeyCacheLimits, type DataKeyCacheLimits } from "./data-key-cache.js";
import { loadKmsSdk } from "./sdk.js";

export interface KmsEnvelopeEncryptorOptions {
  readonly client: KMSClient;
  /** Key id, ARN, alias name (`alias/...`) or alias ARN of a symmetric KMS key. */
  readonly keyId: string;
  readonly dataKeyCache?: Partial<DataKeyCacheLimits>;
  readonly clock?: Clock;
}

/** KMS refuses these for a wrong key, context or ciphertext: the record cannot be opened, retrying will not help. */
const undecryptableErrors = [
  "InvalidCiphertextException",
  "IncorrectKeyException",
  "NotFoundException",
  "InvalidKeyUsageException",
  "DisabledException",
  "KMSInvalidStateException",
];

const tagLength = 16;

interface SealingKey {
  readonly keyId: string;
  readonly encryptedDataKey: string;
}

/**
 * Envelope encryption: a data key from KMS GenerateDataKey (AES-256, EncryptionContext {vendor, userId}) encrypts the
 * record locally with AES-256-GCM (AAD bound to vendor and user); the KMS-encrypted data key travels in the envelope.
 * Decrypted data keys are cached by their encrypted form (and key id) (bounded by age and uses), so steady-state reads make no
 * KMS call; the same cache lets a user's next seal within those bounds reuse the key instead of asking for a new one.
 */
export class KmsEnvelopeEncryptor implements Encryptor {
  private readonly client: KMSClient;
  private readonly keyId: string;
  private readonly dataKeys: DataKeyCache;
  private readonly sealingKeys = new Map<string, SealingKey>();
  private readonly decrypting = new Map<string, Promise<Buffer>>();
  private readonly maxSealingKeys: number;

  constructor(options: KmsEnvelopeEncryptorOptions) {
    this.client = options.client;
    this.keyId = options.keyId;
    const limits = { ...defaultDataKeyCacheLimits, ...options.dataKeyCache };
    this.maxSealingKeys = limits.maxEntries;
    this.dataKeys = new DataKeyCache(limits, options.clock ?? systemClock);
  }

  async seal(plaintext: Uint8Array, context: EncryptionContext): Promise<SealedEnvelope> {
    const contextId = contextIdOf(context);
    const { keyId, encryptedDataKey, key } = await this.sealingKeyFor(context, contextId);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: tagLength });
    key.fill(0);
    cipher.setAAD(additionalData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: "A256GCM",
      keyId,
      encryptedDataKey,
      iv: iv.toString("base64"),
      ciphertext: ciphertext.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
    };
  }

  async open(envelope: SealedEnvelope, context: EncryptionContext): Promise<Uint8Array> {
    if (envelope.alg !== "A256GCM" || !envelope.encryptedDataKey) {
      throw new ConnectorError("decryption_failed", "the envelope was not sealed with a KMS data key", {
        vendor: context.vendor,
      });
    }
    const contextId = contextIdOf(context);
    const key =
      this.dataKeys.use(cacheIdOf(envelope.keyId, envelope.encryptedDataKey), contextId) ??
      Buffer.from(await this.decryptDataKey(envelope.keyId, envelope.encryptedDataKey, context, contextId));
    try {
      const tag = Buffer.from(envelope.tag, "base64");
      // Node accepts GCM tags as short as 4 bytes unless told otherwise; a truncated tag must not open.
      if (tag.length !== tagLength) throw new Error("bad tag length");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(envelope.iv, "base64"), {
        authTagLength: tagLength,
      });
      key.fill(0);
      decipher.setAAD(additionalData(context));
      decipher.setAuthTag(tag);
      return new Uint8Array(
        Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, "base64")), decipher.final()]),
      );
    } catch {
      key.fill(0);
      throw new ConnectorError("decryption_failed", "the sealed tokens failed authentication", {
        vendor: context.vendor,
      });
    }
  }

  /** Forgets every cached data key (zeroing them), e.g. after a key rotation or in tests. */
  clearCache(): void {
    this.dataKeys.clear();
    this.sealingKeys.clear();
  }

  private async sealingKeyFor(context: EncryptionContext, contextId: string): Promise<SealingKey & { key: Buffer }> {
    const remembered = this.sealingKeys.get(contextId);
    if (remembered) {
      const key = this.dataKeys.use(cacheIdOf(remembered.keyId, remembered.encryptedDataKey), contextId);
      if (key) return { ...remembered, key };
      this.sealingKeys.delete(contextId);
    }
    const { GenerateDataKeyCommand } = await loadKmsSdk();
    let output;
    try {
      output = await this.client.send(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          KeySpec: "AES_256",
          EncryptionContext: { vendor: context.vendor, userId: context.userId },
        }),
      );
    } catch (error) {
      throw backendUnavailable("KMS", "GenerateDataKey", error);
    }
    if (!output.Plaintext || !output.CiphertextBlob || !output.KeyId) {
      throw new ConnectorError("backend_unavailable", "KMS GenerateDataKey returned no data key");
    }
    const key = Buffer.from(output.Plaintext);
    output.Plaintext.fill(0);
    const sealingKey = { keyId: output.KeyId, encryptedDataKey: Buffer.from(output.CiphertextBlob).toString("base64") };
    this.dataKeys.put(cacheIdOf(sealingKey.keyId, sealingKey.encryptedDataKey), contextId, key, 1);
    this.rememberSealingKey(contextId, sealingKey);
    return { ...sealingKey, key };
  }

  private rememberSealingKey(contextId: string, sealingKey: SealingKey): void {
    this.sealingKeys.delete(contextId);
    this.sealingKeys.set(contextId, sealingKey);
    while (this.sealingKeys.size > this.maxSealingKeys) {
      const oldest = this.sealingKeys.keys().next().value;
      if (oldest === undefined) break;
      this.sealingKeys.delete(oldest);
    }
  }

  /** One Decrypt per encrypted data key, however many reads of it arrive at once. */
  private decryptDataKey(
    keyId: string,
    encryptedDataKey: string,
    context: EncryptionContext,
    contextId: string,
  ): Promise<Buffer> {
    const cacheId = cacheIdOf(keyId, encryptedDataKey);
    const flightId = `${contextId}\u0000${cacheId}`;
    const inFlight = this.decrypting.get(flightId);
    if (inFlight) return inFlight;
    const decryption = this.callDecrypt(keyId, encryptedDataKey, context).then((key) => {
      this.dataKeys.put(cacheId, contextId, key, 1);
      return key;
    });
    this.decrypting.set(flightId, decryption);
    const forget = () => this.decrypting.delete(flightId);
    decryption.then(forget, forget);
    return decryption;
  }

  private async callDecrypt(keyId: string, encryptedDataKey: string, context: EncryptionContext): Promise<Buffer> {
    const { DecryptCommand } = await loadKmsSdk();
    let output;
    try {
      output = await this.client.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: Buffer.from(encryptedDataKey, "base64"),
          EncryptionContext: { vendor: context.vendor, userId: context.userId },
        }),
      );
    } catch (error) {
      if (isAwsError(error, ...undecryptableErrors)) {
        throw new ConnectorError("decryption_failed", "KMS refused to decrypt the data key for this context", {
          vendor: context.vendor,
        });
      }
      throw backendUnavailable("KMS", "Decrypt", error);
    }
    if (!output.Plaintext) throw new ConnectorError("backend_unavailable", "KMS Decrypt returned no plaintext");
    const key = Buffer.from(output.Plaintext);
    output.Plaintext.fill(0);
    return key;
  }
}

/** The key id is part of the cache id: an envelope naming another key must go to KMS (and fail there). */
function cacheIdOf(keyId: string, encryptedDataKey: string): string {
  return `${keyId}\u0000${encryptedDataKey}`;
}

function contextIdOf(context: EncryptionContext): string {
  return JSON.stringify([context.vendor, context.userId]);
}

function additionalData(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(["synheart/sealed-tokens/v1", context.vendor, context.userId]));
}
