import { describe, expect, it } from "vitest";
import type { EncryptionContext, Encryptor, SealedEnvelope } from "../../engine/ports/encryptor.js";
import { expectConnectorError, useHarness, type HarnessFactory } from "./support.js";

export interface EncryptorHarnessExtras {
  /**
   * Makes a new key current while keeping the old ones for opening, and returns an encryptor
   * that uses it (the subject may or may not change). Omit when the backend cannot rotate in a test.
   */
  readonly rotateKey?: () => Promise<Encryptor>;
}

const context: EncryptionContext = { vendor: "whoop", userId: "user-1" };
const secret = '{"access_token":"at-SECRET-123","refresh_token":"rt-SECRET-456"}';
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Flips one bit in the middle of a base64 field. */
function tamper(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  const index = Math.floor(bytes.length / 2);
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString("base64");
}

export function describeEncryptorContract(backendName: string, makeSubject: HarnessFactory<Encryptor, EncryptorHarnessExtras>): void {
  describe(`Encryptor contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const encryptor = () => harness().subject;

    async function expectOpenFails(envelope: SealedEnvelope, openContext: EncryptionContext = context): Promise<void> {
      const error = await expectConnectorError(encryptor().open(envelope, openContext), "decryption_failed");
      const shown = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).stack)}`;
      expect(shown).not.toContain("SECRET");
    }

    it("opens what it sealed", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      expect(decode(await encryptor().open(envelope, context))).toBe(secret);
    });

    it("round-trips empty and binary plaintext", async () => {
      const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
      const opened = await encryptor().open(await encryptor().seal(binary, context), context);
      expect(Array.from(opened)).toEqual(Array.from(binary)); // a Buffer is as good as a Uint8Array
      const empty = await encryptor().open(await encryptor().seal(new Uint8Array(0), context), context);
      expect(empty.length).toBe(0);
    });

    it("produces an A256GCM envelope that hides the plaintext", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      expect(envelope.alg).toBe("A256GCM");
      expect(envelope.keyId.length).toBeGreaterThan(0);
      expect(Buffer.from(envelope.iv, "base64")).toHaveLength(12);
      expect(Buffer.from(envelope.tag, "base64")).toHaveLength(16);
      const serialized = JSON.stringify(envelope);
      expect(serialized).not.toContain("SECRET");
      expect(Buffer.from(envelope.ciphertext, "base64").toString("latin1")).not.toContain("SECRET");
    });

    it("uses a fresh IV for every seal", async () => {
      const first = await encryptor().seal(encode(secret), context);
      const second = await encryptor().seal(encode(secret), context);
      expect(second.iv).not.toBe(first.iv);
      expect(second.ciphertext).not.toBe(first.ciphertext);
    });

    it("refuses a tampered ciphertext", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails({ ...envelope, ciphertext: tamper(envelope.ciphertext) });
    });

    it("refuses a tampered tag", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails({ ...envelope, tag: tamper(envelope.tag) });
    });

    it("refuses a truncated tag", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      const shortTag = Buffer.from(envelope.tag, "base64").subarray(0, 4).toString("base64");
      await expectOpenFails({ ...envelope, tag: shortTag });
    });

    it("refuses a tampered IV", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails({ ...envelope, iv: tamper(envelope.iv) });
    });

    it("refuses a tampered data key, when the envelope carries one", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      if (envelope.encryptedDataKey === undefined) return;
      await expectOpenFails({ ...envelope, encryptedDataKey: tamper(envelope.encryptedDataKey) });
    });

    it("refuses another user's or vendor's context", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails(envelope, { vendor: context.vendor, userId: "user-2" });
      await expectOpenFails(envelope, { vendor: "oura", userId: context.userId });
      await expectOpenFails(envelope, { vendor: context.userId, userId: context.vendor });
    });

    it("binds the context unambiguously", async () => {
      const envelope = await encryptor().seal(encode(secret), { vendor: "a:b", userId: "c" });
      await expectOpenFails(envelope, { vendor: "a", userId: "b:c" });
      const joined = await encryptor().seal(encode(secret), { vendor: "a", userId: "b" });
      await expectOpenFails(joined, { vendor: "ab", userId: "" });
    });

    it("refuses an unknown key id", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails({ ...envelope, keyId: `${envelope.keyId}-unknown` });
    });

    it("refuses an unknown algorithm", async () => {
      const envelope = await encryptor().seal(encode(secret), context);
      await expectOpenFails({ ...envelope, alg: "A128GCM" as "A256GCM" });
    });

    it("still opens records sealed under an older key after rotation", async () => {
      const rotateKey = harness().rotateKey;
      if (!rotateKey) return;
      const before = await encryptor().seal(encode("sealed before rotation"), context);
      const rotated = await rotateKey();
      const after = await rotated.seal(encode("sealed after rotation"), context);
      expect(after.keyId).not.toBe(before.keyId);
      expect(decode(await rotated.open(before, context))).toBe("sealed before rotation");
      expect(decode(await rotated.open(after, context))).toBe("sealed after rotation");
    });
  });
}
