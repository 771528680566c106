import { createHmac, timingSafeEqual } from "node:crypto";
import { ConnectorError } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import type { HmacSignature } from "../manifest/manifest.generated.js";
import { parseTemplate, placeholdersOf, renderTemplateVariants } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import type { HeaderReader } from "./request.js";
import { signatureCandidates } from "./signature-header.js";

/** What a signature covers, from the manifest's signedContent template, with the body kept as raw bytes. */
export interface SignedParts {
  readonly body: Uint8Array;
  readonly timestamp?: string;
  readonly id?: string;
  readonly header: HeaderReader;
  /** The named fields of a structured signature header (signature.fields), parsed once per request. */
  readonly fields?: Map<string, string[]> | undefined;
  /** The signature header's value when the caller has read it already. */
  readonly sent?: string | undefined;
}

/** One piece of the signed content, resolved once from the manifest's template. */
type ContentStep =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "body" }
  | { readonly kind: "timestamp" | "id" }
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "empty" };

/**
 * An HMAC scheme with its keys decoded once, when the vendor is configured, not per request. Verifying allocates
 * only the digest string: the comparison writes both signatures into two buffers of the scheme's own.
 */
export class HmacScheme {
  private readonly keys: readonly Buffer[];
  private readonly content: readonly ContentStep[];
  /** The signature header's name in lower case: header lookups compare lower-cased names. */
  private readonly headerName: string;
  private readonly prefix: string;
  private readonly digestEncoding: "base64" | "hex";
  /** Every signature of a scheme has this length (in characters of its encoding); lengths are public. */
  private readonly signatureLength: number;
  private readonly expectedBytes: Buffer;
  private readonly sentBytes: Buffer;

  constructor(
    private readonly vendor: string,
    readonly spec: DeepReadonly<HmacSignature>,
    credentials: VendorCredentials,
  ) {
    this.keys = signingKeys(spec, credentials);
    if (this.keys.some((key) => key.length === 0)) {
      throw new ConnectorError("missing_setting", "a webhook signing key is empty", { vendor });
    }
    this.content = parseTemplate(spec.signedContent).map(contentStep);
    this.headerName = spec.header.toLowerCase();
    this.prefix = spec.prefix ?? "";
    this.digestEncoding = spec.encoding === "base64" ? "base64" : "hex";
    this.signatureLength = createHmac(spec.algorithm, "length").digest(this.digestEncoding).length;
    this.expectedBytes = Buffer.alloc(this.signatureLength);
    this.sentBytes = Buffer.alloc(this.signatureLength);
  }

  /**
   * Throws `missing_header` or `invalid_signature`. Any of the configured keys and any of the sent signatures may match.
   * Returns the matching signature in canonical form, so that a replay cannot slip past by changing case or spacing.
   */
  verify(parts: SignedParts): string {
    const sent = parts.sent ?? parts.header(this.headerName);
    if (!sent || !sent.trim()) {
      throw new ConnectorError("missing_header", `${this.spec.header} header is missing`, { vendor: this.vendor });
    }
    if (this.keys.length === 0) {
      throw new ConnectorError("invalid_signature", "no webhook signing key is configured yet", { vendor: this.vendor });
    }
    // A header that carries one signature (most vendors) is compared as it is, without a list of candidates.
    const single = this.spec.fields || this.spec.separator ? undefined : sent;
    const candidates = single === undefined ? signatureCandidates(sent, this.spec, parts.fields) : undefined;
    for (const key of this.keys) {
      const expected = this.digest(key, parts);
      if (single !== undefined) {
        if (this.matches(single, expected)) return expected;
      } else {
        for (const candidate of candidates!) if (this.matches(candidate, expected)) return expected;
      }
    }
    throw new ConnectorError("invalid_signature", `${this.spec.header} does not match the body`, { vendor: this.vendor });
  }

  /** The header value a vendor would send (first configured key). */
  sign(parts: SignedParts): string {
    const key = this.keys[0];
    if (!key) throw new ConnectorError("missing_setting", "no webhook signing key is configured", { vendor: this.vendor });
    const encoded = this.digest(key, parts);
    return `${this.spec.prefix ?? ""}${this.spec.encoding === "hex-upper" ? encoded.toUpperCase() : encoded}`;
  }

  /** One sent value (prefix and all) against the expected signature, compared in constant time. */
  private matches(sentValue: string, expected: string): boolean {
    const prefix = this.prefix;
    const value = sentValue.trim();
    if (value.length !== prefix.length + this.signatureLength || !value.startsWith(prefix)) return false;
    // Hex is compared in lower case: the bytes are what matter, and vendors are loose about case.
    const signature = this.digestEncoding === "hex" ? value.slice(prefix.length).toLowerCase() : value.slice(prefix.length);
    if (signature.length !== this.signatureLength) return false; // lower-casing can change the length of non-ASCII text
    // Header values are byte strings, so latin1 writes each character as the byte it was sent as.
    this.sentBytes.write(signature, 0, "latin1");
    this.expectedBytes.write(expected, 0, "latin1");
    return timingSafeEqual(this.sentBytes, this.expectedBytes);
  }

  /** Text around the body is written in one update per run of steps: each update is a call into OpenSSL. */
  private digest(key: Buffer, parts: SignedParts): string {
    const hmac = createHmac(this.spec.algorithm, key);
    const content = this.content;
    let text = "";
    for (let index = 0; index < content.length; index++) {
      const step = content[index]!;
      switch (step.kind) {
        case "body":
          if (text !== "") hmac.update(text, "utf8");
          text = "";
          hmac.update(parts.body);
          break;
        case "literal":
          text += step.text;
          break;
        case "timestamp":
          text += parts.timestamp ?? "";
          break;
        case "id":
          text += parts.id ?? "";
          break;
        case "header":
          text += parts.header(step.name) ?? "";
          break;
        default: // a placeholder the schema does not name signs as the empty string
      }
    }
    if (text !== "") hmac.update(text, "utf8");
    return hmac.digest(this.digestEncoding);
  }
}

function contentStep(part: ReturnType<typeof parseTemplate>[number]): ContentStep {
  if ("literal" in part) return { kind: "literal", text: part.literal };
  const name = part.placeholder;
  if (name === "body") return { kind: "body" };
  if (name === "timestamp" || name === "id") return { kind: name };
  if (name.startsWith("headers.")) return { kind: "header", name: name.slice("headers.".length).toLowerCase() };
  return { kind: "empty" };
}

/**
 * A key template over an optional setting that is not set yields no key: the vendor's handshake can run before its
 * secret exists (Polar hands the secret out only after its PING is answered), and every signed request fails closed.
 */
function signingKeys(spec: DeepReadonly<HmacSignature>, credentials: VendorCredentials): Buffer[] {
  const lookup = templateLookup(credentials);
  const unset = placeholdersOf(spec.key).some((name) => {
    const value = lookup(name);
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (unset) return [];
  return renderTemplateVariants(spec.key, lookup).map((key) => decodeKey(key, spec));
}

function decodeKey(rendered: string, spec: DeepReadonly<HmacSignature>): Buffer {
  const withoutPrefix = spec.keyPrefix && rendered.startsWith(spec.keyPrefix) ? rendered.slice(spec.keyPrefix.length) : rendered;
  return spec.keyEncoding === "base64" ? Buffer.from(withoutPrefix, "base64") : Buffer.from(withoutPrefix, "utf8");
}
