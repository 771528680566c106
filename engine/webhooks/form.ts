// application/x-www-form-urlencoded, as URLSearchParams reads and writes it, without its cost where nothing needs (de)coding.

/**
 * application/x-www-form-urlencoded into an object; a repeated field becomes an array. Bodies with nothing to decode
 * (no `%`, no `+`, no leading `?`), as vendors send them, are split directly: URLSearchParams would give the same.
 */
export function parseForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  if (/[%+]|^\?/.test(text)) {
    for (const [name, value] of new URLSearchParams(text)) addField(fields, name, value);
    return fields;
  }
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("&", start);
    if (end < 0) end = text.length;
    if (end > start) {
      const equals = text.indexOf("=", start);
      if (equals < 0 || equals > end) addField(fields, text.slice(start, end), "");
      else addField(fields, text.slice(start, equals), text.slice(equals + 1, end));
    }
    start = end + 1;
  }
  return fields;
}

function addField(fields: Record<string, string | string[]>, name: string, value: string): void {
  const existing = Object.hasOwn(fields, name) ? fields[name] : undefined;
  const field = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  // A field named __proto__ is data like any other, never the object's prototype.
  if (name === "__proto__") Object.defineProperty(fields, name, { value: field, enumerable: true, writable: true, configurable: true });
  else fields[name] = field;
}

/** As URLSearchParams encodes a name or value; the characters it leaves alone need no encoder at all. */
export function formEncode(text: string): string {
  return /^[\w.*-]*$/.test(text) ? text : new URLSearchParams([["", text]]).toString().slice(1);
}

