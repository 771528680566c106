/** A webhook request as any HTTP framework can hand it over: the raw body bytes, never a re-serialised JSON. */
export interface WebhookRequest {
  readonly method?: string;
  /** Full URL or path with query string; handshakes read the query. */
  readonly url?: string;
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Uint8Array | string;
  /** The caller's address, for vendors trusted by IP allow-list. */
  readonly sourceIp?: string;
}

export type HeaderReader = (name: string) => string | undefined;

/** Case-insensitive header access; repeated headers are joined with ", " as the Fetch standard does. */
export function headerReader(headers: WebhookRequest["headers"]): HeaderReader {
  if (typeof (headers as Headers).get === "function") {
    const fetchHeaders = headers as Headers;
    return (name) => fetchHeaders.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return (name) => readHeader(record, name.toLowerCase());
}

/**
 * Every key is looked at, and keys that differ only in case are joined as repeated headers are: a smuggled
 * duplicate cannot hide behind the one we would have read. A few headers are read per request, so scanning the
 * keys for each costs less than building a lower-cased copy of them all.
 */
function readHeader(record: Readonly<Record<string, string | readonly string[] | undefined>>, lowerName: string): string | undefined {
  let found: string | undefined;
  for (const key in record) {
    if (key.length !== lowerName.length || (key !== lowerName && key.toLowerCase() !== lowerName)) continue;
    const value = record[key];
    if (value === undefined) continue;
    const joined = typeof value === "string" ? value : value.join(", ");
    found = found === undefined ? joined : `${found}, ${joined}`;
  }
  return found;
}

export function queryOf(request: WebhookRequest): URLSearchParams {
  if (!request.url) return new URLSearchParams();
  const queryStart = request.url.indexOf("?");
  return new URLSearchParams(queryStart < 0 ? "" : request.url.slice(queryStart + 1));
}

export function bodyBytes(rawBody: Uint8Array | string): Buffer {
  if (typeof rawBody === "string") return Buffer.from(rawBody, "utf8");
  return Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
}
