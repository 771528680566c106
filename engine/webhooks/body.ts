import { isUtf8 } from "node:buffer";
import { ConnectorError } from "../errors.js";
import { parseForm } from "./form.js";

/** No vendor nests this deep; a body that does is an attack on the mapper's recursion, refused before parsing. */
export const MAX_JSON_DEPTH = 64;

/** Parses a verified body. Empty, non-UTF-8, non-JSON and non-form bodies are `malformed_body`, never a crash. */
export function parseBody(bytes: Uint8Array, encoding: "json" | "form", vendor: string): unknown {
  if (bytes.byteLength === 0) throw new ConnectorError("malformed_body", "the body is empty", { vendor });
  if (!isUtf8(bytes)) throw new ConnectorError("malformed_body", "the body is not valid UTF-8", { vendor });
  const decoded = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("utf8");
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
