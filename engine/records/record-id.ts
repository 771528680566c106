import * as crypto from "node:crypto";

/** One-shot `crypto.hash` where Node has it (20.12+, 21.7+): no Hash object per record. */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (text) => (crypto as unknown as { hash: (algorithm: string, data: string, encoding: "hex") => string }).hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

/**
 * The record's id: a UUID (version 8, RFC 9562) from SHA-256 of vendor, vendor user id, record type and vendor
 * record id, NUL-separated. The same vendor record always gives the same id, whether it arrives by webhook, by a
 * backfill or twice; the vendor user id keeps vendors that name records by date (one per user per day) apart.
 */
export function recordId(vendor: string, vendorUserId: string | undefined, type: string, vendorRecordId: string): string {
  const digest = sha256Hex(`${vendor}\0${vendorUserId ?? ""}\0${type}\0${vendorRecordId}`);
  const variant = VARIANT_DIGIT[digest.charCodeAt(16)]!;
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-8${digest.slice(13, 16)}-${variant}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
}

/** By a hex digit's character code, the variant digit it becomes (its two low bits under the RFC 9562 variant 10). */
const VARIANT_DIGIT: readonly string[] = (() => {
  const table: string[] = [];
  for (const digit of "0123456789abcdef") table[digit.charCodeAt(0)] = ((parseInt(digit, 16) & 0x3) | 0x8).toString(16);
  return table;
})();
