/** The body was over the limit; nothing of it was parsed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the body is over ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** A request whose body another middleware (express.json(), a logger) has read already: it cannot be verified. */
export class BodyAlreadyReadError extends Error {
  readonly code = "body_already_read";
  constructor() {
    super(
      "the request body was already read by another middleware (e.g. express.json()): mount the connector before body parsers, " +
        "or keep the raw bytes with express.json({ verify: keepRawBody }) (docs/frameworks.md)",
    );
    this.name = "BodyAlreadyReadError";
  }
}

/**
 * Reads a request body as raw bytes, never more than `limitBytes`: refused before reading when Content-Length says
 * it is over, and the stream is cancelled as soon as it passes the limit (a lying or absent Content-Length).
 */
export async function readCappedBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  if (request.bodyUsed) throw new BodyAlreadyReadError();
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limitBytes) {
    await request.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limitBytes);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
