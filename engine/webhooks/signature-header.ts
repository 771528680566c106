import type { SignatureFields } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

/** How a signature header is laid out; shared by the HMAC and asymmetric schemes. */
export interface SignatureHeaderLayout {
  readonly header: string;
  readonly separator?: string;
  readonly fields?: DeepReadonly<SignatureFields>;
}

/** No vendor sends more than a handful; a header with more is not worth the work of trying each. */
const MAX_CANDIDATES = 16;

/**
 * Named fields of a structured header (`t=1723808700,v1=a5ee...,v1=...`), each name with every value it was given.
 * Names are compared as sent (case-sensitive, as Terra and Stripe document them); whitespace around parts is ignored.
 */
export function headerFields(value: string, layout: DeepReadonly<SignatureFields>): Map<string, string[]> {
  const separator = layout.separator ?? ",";
  const assign = layout.assign ?? "=";
  const fields = new Map<string, string[]>();
  const add = (name: string, fieldValue: string) => {
    const values = fields.get(name);
    if (values) values.push(fieldValue);
    else fields.set(name, [fieldValue]);
  };
  // Scanned in place, without the list of parts split would build; parts past the first MAX_CANDIDATES * 2 are not
  // read. The schema requires both separator and assign to be non-empty.
  for (let start = 0, count = 0; count < MAX_CANDIDATES * 2; count++) {
    const found = value.indexOf(separator, start);
    const end = found < 0 ? value.length : found;
    const at = value.indexOf(assign, start);
    if (at > start && at + assign.length <= end) add(value.slice(start, at).trim(), value.slice(at + assign.length, end).trim());
    if (found < 0) break;
    start = found + separator.length;
  }
  return fields;
}

/** The sent signatures to try: every field named by `fields.signature`, or the header split on `separator`, or the whole header. */
export function signatureCandidates(value: string, layout: SignatureHeaderLayout, fields?: Map<string, string[]>): string[] {
  if (layout.fields) return (fields ?? headerFields(value, layout.fields)).get(layout.fields.signature)?.slice(0, MAX_CANDIDATES) ?? [];
  if (layout.separator) return value.split(layout.separator, MAX_CANDIDATES);
  return [value];
}

/** The header a vendor would send for one signature, with the timestamp field when it lives in the same header. */
export function formatSignatureHeader(layout: SignatureHeaderLayout, signature: string, timestampField?: { name: string; value: string }): string {
  if (!layout.fields) return signature;
  const assign = layout.fields.assign ?? "=";
  const separator = layout.fields.separator ?? ",";
  const parts = timestampField ? [`${timestampField.name}${assign}${timestampField.value}`] : [];
  parts.push(`${layout.fields.signature}${assign}${signature}`);
  return parts.join(separator);
}
