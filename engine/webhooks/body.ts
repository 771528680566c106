import * as buffer from "node:buffer";
import { ConnectorError } from "../errors.js";
import { parseForm } from "./form.js";

/** No vendor nests this deep; a body that does is an attack on the mapper's recursion, refused before parsing. */
export const MAX_JSON_DEPTH = 64;

/** Parses a verified body. Empty, non-UTF-8, non-JSON and non-form bodies are `malformed_body`, never a crash. */
export function parseBody(bytes: Uint8Array, encoding: "json" | "form", vendor: string): unknown {
  if (bytes.byteLength === 0) throw new ConnectorError("malformed_body", "the body is empty", { vendor });
  const decoded = decodeUtf8(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), vendor);
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  if (encoding === "form") return parseForm(text);
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ConnectorError("malformed_body", `the body nests deeper than ${MAX_JSON_DEPTH} levels`, { vendor });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof RangeError ? "nested too deeply" : "not valid JSON";
    throw new ConnectorError("malformed_body", `the body is ${reason}`, { vendor });
  }
}

// isAscii (Node >= 20.0 has it; typed optional for older builds): an ASCII body is valid UTF-8 and decodes byte for
// byte, which is cheaper than decoding UTF-8.
const isAscii = (buffer as { isAscii?: (input: Uint8Array) => boolean }).isAscii;

function decodeUtf8(bytes: Buffer, vendor: string): string {
  if (isAscii?.(bytes)) return bytes.toString("latin1");
  if (!buffer.isUtf8(bytes)) throw new ConnectorError("malformed_body", "the body is not valid UTF-8", { vendor });
  return bytes.toString("utf8");
}

/** Scans brackets outside strings; cheaper than parsing and walking the result. */
function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  if (countOpeningBrackets(text, maxDepth + 1) <= maxDepth) return false; // too few brackets to nest that deep
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

/** Counts `{` and `[` with the native indexOf, stopping at `limit`. */
function countOpeningBrackets(text: string, limit: number): number {
  let count = 0;
  for (const bracket of ["{", "["]) {
    for (let at = text.indexOf(bracket); at !== -1 && count < limit; at = text.indexOf(bracket, at + 1)) count++;
  }
  return count;
}
