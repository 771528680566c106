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
  // Keys that differ only in case are joined, as repeated headers are: a smuggled duplicate cannot hide behind
  // the one we would have read.
  const lowered = foldHeaders(headers as Readonly<Record<string, string | readonly string[] | undefined>>);
  return (name) => lowered.get(name.toLowerCase());
}

function foldHeaders(record: Readonly<Record<string, string | readonly string[] | undefined>>): Map<string, string> {
  const lowered = new Map<string, string>();
  for (const name in record) {
    const value = record[name];
    if (value === undefined) continue;
    const joined = typeof value === "string" ? value : value.join(", ");
    const key = name.toLowerCase();
    const existing = lowered.get(key);
    lowered.set(key, existing === undefined ? joined : `${existing}, ${joined}`);
  }
  return lowered;
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
