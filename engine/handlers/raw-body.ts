import type { IncomingMessage } from "node:http";

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

/** `readCappedBody` for a node:http request: the same limits, straight from the socket's chunks. */
export function readNodeBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > limitBytes) {
    return Promise.reject(new BodyTooLargeError(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        stop();
        req.pause();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(new Error("the request closed before its body ended"));
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
