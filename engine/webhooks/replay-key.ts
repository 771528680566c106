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

/** The manifest's replay key template, hashed: what is stored never contains the body or a signature. */
export function replayKey(vendor: string, template: string, parts: DeliveryParts): string {
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
