/** Who a sealed token record belongs to. Bound as authenticated data, so a record copied to another user fails to open. */
export interface EncryptionContext {
  readonly vendor: string;
  readonly userId: string;
}

/** AES-256-GCM envelope. Binary fields are base64. */
export interface SealedEnvelope {
  readonly alg: "A256GCM";
  /** Which key sealed it (a local key id, or the KMS key id/ARN). Lets keys rotate while old records stay readable. */
  readonly keyId: string;
  /** The data key encrypted under `keyId` (envelope encryption). Absent when `keyId` names the data key itself. */
  readonly encryptedDataKey?: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export interface Encryptor {
  seal(plaintext: Uint8Array, context: EncryptionContext): Promise<SealedEnvelope>;
  /** Throws ConnectorError("decryption_failed") on tampering, a wrong context or an unknown key. */
  open(envelope: SealedEnvelope, context: EncryptionContext): Promise<Uint8Array>;
}
