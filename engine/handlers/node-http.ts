import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { clientAddress, type ClientAddressOptions } from "./client-address.js";
import { plainWebhookRouteOf, type FetchHandler, type PlainWebhookRoute } from "./fetch-handler.js";
import { BodyAlreadyReadError, readNodeBody } from "./raw-body.js";
import { jsonLinesToStdout, type RequestLogger } from "./request-log.js";

export interface NodeHttpOptions extends ClientAddressOptions {
  /** Where an adapter failure (e.g. a body another middleware already read) is logged. Default: a JSON line on stdout. */
  readonly logger?: RequestLogger;
}

export { BodyAlreadyReadError };

const VALID_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `(req, res)` for node:http's createServer, serving a fetch handler. Also an Express or Connect middleware:
 * `app.use("/connector", toNodeListener(handle))` with `prefix: "/connector"` (the original URL is used).
 */
export function toNodeListener(handler: FetchHandler, options: NodeHttpOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const log = options.logger ?? jsonLinesToStdout;
  const webhookRoute = plainWebhookRouteOf(handler);
  return (req, res) => {
    const started = performance.now();
    (webhookRoute ? serveWebhookOrFetch(webhookRoute, handler, req, res, options) : serve(handler, req, res, options)).catch((error: unknown) => {
      const known = error instanceof BodyAlreadyReadError;
      const errorCode = known ? error.code : "internal_error";
      log({
        kind: "request",
        time: new Date().toISOString(),
        route: "adapter",
        method: (req.method ?? "GET").toUpperCase(),
        outcome: "error",
        status: 500,
        errorCode,
        ...(known ? { hint: error.message } : {}),
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
      });
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: errorCode }));
      else res.destroy();
    });
  };
}

/**
 * A webhook POST straight from node:http goes the handler's fast route (no web Request or Response); everything else
 * the fetch route, including requests a framework has touched (mounted path, body left or read by a middleware).
 */
async function serveWebhookOrFetch(route: PlainWebhookRoute, handler: FetchHandler, req: IncomingMessage, res: ServerResponse, options: NodeHttpOptions): Promise<void> {
  const touched = (req as { originalUrl?: unknown }).originalUrl !== undefined || rawBodyLeftBy(req) !== undefined || req.readableDidRead || req.readableEnded;
  if (req.method !== "POST" || touched) return serve(handler, req, res, options);
  const sourceIp = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], options);
  const answer = await route({
    method: "POST",
    path: req.url ?? "/",
    headers: headerRecord(req.rawHeaders),
    ...(sourceIp ? { sourceIp } : {}),
    readBody: (limitBytes) => readNodeBody(req, limitBytes),
  });
  if (!answer) return serve(handler, req, res, options);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body === "" ? undefined : answer.body);
}

/**
 * Header names lower-cased, every repeated header kept (as `Headers.append` would): node's own `req.headers` keeps
 * only the first of some (authorization, content-type, ...), which would let a duplicate hide.
 */
function headerRecord(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const existing = record[name];
    if (existing === undefined) record[name] = value;
    else if (typeof existing === "string") record[name] = [existing, value];
    else existing.push(value);
  }
  return record;
}

async function serve(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, options: NodeHttpOptions): Promise<void> {
  const sourceIp = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], options);
  const response = await handler(toRequest(req, options), sourceIp ? { sourceIp } : {});
  await writeResponse(response, res);
}

/** Writes a fetch Response to a node:http response (status, headers with every Set-Cookie, body). */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, nodeHeaders(response));
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

export function nodeHeaders(response: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  return headers;
}

/**
 * A web Request from a node:http request. The body is streamed from `req`, unless `body` is given or a raw-body
 * middleware left the bytes on the request (`req.rawBody`, or a Buffer `req.body` from express.raw()). A body already
 * consumed by another middleware is a BodyAlreadyReadError, not an empty body.
 */
export function toRequest(req: IncomingMessage, options: ClientAddressOptions = {}, body?: Uint8Array): Request {
  const forwardedProto = options.trustProxy ? firstValue(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim() : undefined;
  const scheme = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : "encrypted" in req.socket && req.socket.encrypted ? "https" : "http";
  const hostHeader = firstValue(req.headers.host);
  // A Host header is the client's to choose; one that is not a plain host[:port] never reaches a redirect URI.
  const host = hostHeader && VALID_HOST.test(hostHeader) ? hostHeader : `${formatAddress(req.socket.localAddress)}:${req.socket.localPort ?? 80}`;
  // Express and Connect strip the mount path from req.url and keep the whole one in req.originalUrl.
  const path = (req as { originalUrl?: unknown }).originalUrl;
  const url = new URL(typeof path === "string" && path.startsWith("/") ? path : (req.url ?? "/"), `${scheme}://${host}`);

  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // a header value fetch's Headers refuses is dropped, not passed on
    }
  }
  const method = (req.method ?? "GET").toUpperCase();
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (method !== "GET" && method !== "HEAD") {
    const bytes = body ?? rawBodyLeftBy(req);
    if (bytes) {
      headers.delete("content-length");
      headers.delete("transfer-encoding");
      init.body = bytes;
    } else {
      if (req.readableDidRead || req.readableEnded) throw new BodyAlreadyReadError();
      init.body = Readable.toWeb(req) as NodeReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
  }
  return new Request(url, init);
}

function rawBodyLeftBy(req: IncomingMessage): Uint8Array | undefined {
  const { rawBody, body } = req as { rawBody?: unknown; body?: unknown };
  if (rawBody instanceof Uint8Array) return rawBody;
  if (body instanceof Uint8Array) return body;
  return undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function formatAddress(address: string | undefined): string {
  if (!address) return "localhost";
  return isIP(address) === 6 ? `[${address}]` : address;
}
