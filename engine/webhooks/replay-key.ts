import { createHash } from "node:crypto";
import { parseTemplate } from "../manifest/template.js";
import type { HeaderReader } from "./request.js";

export interface DeliveryParts {
  readonly body: Uint8Array;
  readonly timestamp?: string;
  readonly id?: string;
  readonly signature?: string;
  readonly header: HeaderReader;
}

/** The manifest's replay key template, hashed: what is stored never contains the body or a signature. */
export function replayKey(vendor: string, template: string, parts: DeliveryParts): string {
  const hash = createHash("sha256").update(vendor).update("\0");
  for (const part of parseTemplate(template)) {
    if ("literal" in part) hash.update(part.literal);
    else if (part.placeholder === "body") hash.update(parts.body);
    else hash.update(valueOf(part.placeholder, parts) ?? "");
    hash.update("\0");
  }
  return `${vendor}:${hash.digest("base64url")}`;
}

function valueOf(name: string, parts: DeliveryParts): string | undefined {
  if (name === "timestamp") return parts.timestamp;
  if (name === "id") return parts.id;
  if (name === "signature") return parts.signature;
  if (name.startsWith("headers.")) return parts.header(name.slice("headers.".length));
  return undefined;
}
