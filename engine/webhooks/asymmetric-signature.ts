import { createPrivateKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { ConnectorError } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import type { AsymmetricSignature } from "../manifest/manifest.generated.js";
import { parseTemplate, placeholdersOf, renderTemplate, renderTemplateVariants } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import type { SignedParts } from "./hmac-signature.js";
import { JwksKeySource } from "./jwks-source.js";
import { MAX_KEYS, parsePublicKeys, type PublicKeyEntry } from "./public-keys.js";
import { signatureCandidates } from "./signature-header.js";
import { splitTinkSignature } from "./tink-keyset.js";

/** A sent signature, decoded, with the key it names (Tink's prefix) when it names one. */
interface SentSignature {
  readonly bytes: Buffer;
  readonly kid?: string;
}

const SIGNATURE_TEXT = { base64: /^[A-Za-z0-9+/]+={0,2}$/, base64url: /^[A-Za-z0-9_-]+={0,2}$/, hex: /^(?:[0-9a-fA-F]{2})+$/ } as const;
/** ECDSA P-256 signatures are at most 72 bytes in DER, Ed25519 ones 64: anything longer is not worth decoding. */
const MAX_SIGNATURE_TEXT = 200;

/**
 * A signature checked with the vendor's public key (ECDSA P-256 or Ed25519). Nothing secret is compared, so there is
 * no timing to hide: a forger learns nothing from how long a refusal takes. Keys from a setting are read once;
 * keys from a JWKS URL come through a cache that refetches on rotation.
 */
export class AsymmetricScheme {
  private readonly staticKeys: readonly PublicKeyEntry[] | undefined;
  private readonly jwks: JwksKeySource | undefined;
  private readonly content: ReturnType<typeof parseTemplate>;

  constructor(
    private readonly vendor: string,
    readonly spec: DeepReadonly<AsymmetricSignature>,
    credentials: VendorCredentials,
    fetchFn?: typeof fetch,
  ) {
    const lookup = templateLookup(credentials);
    const unset = (template: string) => placeholdersOf(template).some((name) => {
      const value = lookup(name);
      return value === undefined || (Array.isArray(value) && value.length === 0);
    });
    if (spec.publicKey !== undefined) {
      // Like an HMAC key: an optional setting not set yet means every signed request fails closed.
      this.staticKeys = unset(spec.publicKey)
        ? []
        : renderTemplateVariants(spec.publicKey, lookup).flatMap((text) => parsePublicKeys(text, spec.algorithm, vendor, spec.keyPrefix)).slice(0, MAX_KEYS);
    } else if (spec.jwks && !unset(spec.jwks.url)) {
      this.jwks = new JwksKeySource({
        url: renderTemplate(spec.jwks.url, lookup),
        algorithm: spec.algorithm,
        vendor,
        cacheMs: (spec.jwks.cacheSeconds ?? 3600) * 1000,
        minRefreshMs: (spec.jwks.minRefreshSeconds ?? 60) * 1000,
        ...(fetchFn ? { fetch: fetchFn } : {}),
      });
    }
    this.content = parseTemplate(spec.signedContent);
  }

  /**
   * Throws `missing_header` or `invalid_signature` (`backend_unavailable` when a JWKS has never been fetched).
   * Returns the verified signature as base64 of its bytes. Synchronous for keys from settings.
   */
  verify(parts: SignedParts & { readonly keyId?: string | undefined }, nowMs: number): string | Promise<string> {
    const signatures = this.sentSignatures(parts);
    const message = this.signedMessage(parts);
    if (this.staticKeys) return this.check(this.staticKeys, parts.keyId, signatures, message);
    if (!this.jwks) throw new ConnectorError("invalid_signature", "no webhook public key is configured yet", { vendor: this.vendor });
    const jwks = this.jwks;
    return jwks.current(nowMs).then(async (keys) => {
      const first = this.tryKeys(keys, parts.keyId, signatures, message);
      if (first) return first;
      // An unknown key id, or no key verifies: the vendor may have rotated its keys since we fetched them.
      if (await jwks.refreshAfterMiss(nowMs)) return this.check(await jwks.current(nowMs), parts.keyId, signatures, message);
      throw this.refused();
    });
  }

  /** The header a vendor would send, signed with `privateKey` (for tests and fixtures; we never hold the vendor's key). */
  sign(parts: SignedParts, privateKey: KeyObject | string, tinkKeyId = 1): string {
    const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
    const message = this.signedMessage(parts);
    const format = this.spec.signatureFormat ?? "der";
    let signature =
      this.spec.algorithm === "ed25519"
        ? cryptoSign(null, message, key)
        : cryptoSign("sha256", message, { key, dsaEncoding: format === "ieee-p1363" ? "ieee-p1363" : "der" });
    if (format === "tink") {
      const prefix = Buffer.alloc(5);
      prefix[0] = 0x01;
      prefix.writeUInt32BE(tinkKeyId >>> 0, 1);
      signature = Buffer.concat([prefix, signature]);
    }
    const encoded = this.spec.encoding === "hex" ? signature.toString("hex") : signature.toString(this.spec.encoding);
    return `${this.spec.prefix ?? ""}${encoded}`;
  }

  private check(keys: readonly PublicKeyEntry[], keyId: string | undefined, signatures: readonly SentSignature[], message: Buffer): string {
    const verified = this.tryKeys(keys, keyId, signatures, message);
    if (!verified) throw this.refused();
    return verified;
  }

  private tryKeys(keys: readonly PublicKeyEntry[], keyId: string | undefined, signatures: readonly SentSignature[], message: Buffer): string | undefined {
    for (const signature of signatures) {
      const named = signature.kid ?? keyId;
      for (const entry of keys) {
        // Keys from a JWKS or keyset carry ids; a key from a PEM setting has none and is tried for any named one.
        if (named !== undefined && entry.kid !== undefined && entry.kid !== named) continue;
        if (this.verifies(entry.key, message, signature.bytes)) return signature.bytes.toString("base64");
      }
    }
    return undefined;
  }

  private verifies(key: KeyObject, message: Buffer, signature: Buffer): boolean {
    try {
      if (this.spec.algorithm === "ed25519") return cryptoVerify(null, message, key, signature);
      return cryptoVerify("sha256", message, { key, dsaEncoding: this.spec.signatureFormat === "ieee-p1363" ? "ieee-p1363" : "der" }, signature);
    } catch {
      return false; // a malformed signature is just a wrong one
    }
  }

  private sentSignatures(parts: SignedParts): SentSignature[] {
    const sent = parts.header(this.spec.header);
    if (!sent || !sent.trim()) throw new ConnectorError("missing_header", `${this.spec.header} header is missing`, { vendor: this.vendor });
    const prefix = this.spec.prefix ?? "";
    const pattern = SIGNATURE_TEXT[this.spec.encoding];
    const decoded: SentSignature[] = [];
    for (const candidate of signatureCandidates(sent, this.spec, parts.fields)) {
      const value = candidate.trim();
      if (!value.startsWith(prefix)) continue;
      const text = value.slice(prefix.length);
      if (text.length === 0 || text.length > MAX_SIGNATURE_TEXT || !pattern.test(text)) continue;
      const bytes = Buffer.from(text, this.spec.encoding === "hex" ? "hex" : this.spec.encoding);
      // Only the canonical text of those bytes: base64 has spare bits in its last character, so several texts decode to
      // one signature, and a second text for a signature already seen must not look like a new delivery.
      if (!isCanonicalText(text, bytes, this.spec.encoding)) continue;
      if (this.spec.signatureFormat === "tink") {
        const split = splitTinkSignature(bytes);
        if (split) decoded.push({ bytes: split.signature, kid: split.kid });
      } else decoded.push({ bytes });
    }
    if (decoded.length === 0) throw this.refused();
    return decoded;
  }

  private signedMessage(parts: SignedParts): Buffer {
    const chunks: Buffer[] = [];
    for (const part of this.content) {
      if ("literal" in part) chunks.push(Buffer.from(part.literal, "utf8"));
      else if (part.placeholder === "body") chunks.push(Buffer.from(parts.body.buffer, parts.body.byteOffset, parts.body.byteLength));
      else if (part.placeholder === "timestamp") chunks.push(Buffer.from(parts.timestamp ?? "", "utf8"));
      else if (part.placeholder === "id") chunks.push(Buffer.from(parts.id ?? "", "utf8"));
      else if (part.placeholder.startsWith("headers.")) chunks.push(Buffer.from(parts.header(part.placeholder.slice(8)) ?? "", "utf8"));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  private refused(): ConnectorError {
    return new ConnectorError("invalid_signature", `${this.spec.header} does not verify with the vendor's public key`, { vendor: this.vendor });
  }
}

function isCanonicalText(text: string, bytes: Buffer, encoding: "base64" | "base64url" | "hex"): boolean {
  if (encoding === "hex") return bytes.toString("hex") === text.toLowerCase();
  return bytes.toString(encoding).replace(/=+$/, "") === text.replace(/=+$/, "");
}
