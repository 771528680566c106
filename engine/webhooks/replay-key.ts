import { sha256 } from "./digest.js";
import { parseTemplate } from "../manifest/template.js";
import type { HeaderReader } from "./request.js";

export interface DeliveryParts {
  /** A digest of the raw body (the delivery id): hashing it again is cheaper than hashing the body. */
  readonly bodyDigest: string;
  readonly timestamp?: string;
  readonly id?: string;
  readonly signature?: string;
  readonly header: HeaderReader;
}

/** The key a delivery is remembered by: digests only (of the body, or the verified signature), never the body itself. */
export function replayKey(vendor: string, template: string, parts: DeliveryParts): string {
  // The two keys vendors use are digests already: store them as they are rather than hash them again.
  if (template === "{body}") return bodyReplayKey(vendor, parts.bodyDigest);
  if (template === "{signature}" && parts.signature) return signatureReplayKey(vendor, parts.signature);
  let material = vendor;
  for (const part of parseTemplate(template)) {
    material += "\0" + ("literal" in part ? part.literal : part.placeholder === "body" ? parts.bodyDigest : (valueOf(part.placeholder, parts) ?? ""));
  }
  return `${vendor}:${sha256(material, "base64url")}`;
}

function valueOf(name: string, parts: DeliveryParts): string | undefined {
  if (name === "timestamp") return parts.timestamp;
  if (name === "id") return parts.id;
  if (name === "signature") return parts.signature;
  if (name.startsWith("headers.")) return parts.header(name.slice("headers.".length));
  return undefined;
}

/** `replayKey` of a `{body}` template. */
export function bodyReplayKey(vendor: string, bodyDigest: string): string {
  return `${vendor}:body:${bodyDigest}`;
}

/** `replayKey` of a `{signature}` template, for a delivery with a verified signature. */
export function signatureReplayKey(vendor: string, signature: string): string {
  return `${vendor}:sig:${signature}`;
}
