import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { plainWebhookRouteOf, type FetchHandler, type PlainWebhookRoute } from "./fetch-handler.js";
import { readNodeBody } from "./raw-body.js";

export interface NodeHttpOptions {
  /**
   * Behind a reverse proxy you control: take the client address from the last X-Forwarded-For entry and the
   * scheme from X-Forwarded-Proto. Off by default: anyone can send those headers.
   */
  readonly trustProxy?: boolean;
}

const VALID_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `(req, res)` for node:http's createServer, serving a fetch handler. */
export function toNodeListener(handler: FetchHandler, options: NodeHttpOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const webhookRoute = plainWebhookRouteOf(handler);
  return (req, res) => {
    (webhookRoute ? serveWebhookOrFetch(webhookRoute, handler, req, res, options) : serve(handler, req, res, options)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal_error"}');
      else res.destroy();
    });
  };
}

/** A webhook POST goes the handler's fast route (no web Request or Response); everything else the fetch route. */
async function serveWebhookOrFetch(route: PlainWebhookRoute, handler: FetchHandler, req: IncomingMessage, res: ServerResponse, options: NodeHttpOptions): Promise<void> {
  if (req.method !== "POST") return serve(handler, req, res, options);
  const sourceIp = clientAddress(req, options);
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
  const sourceIp = clientAddress(req, options);
  const response = await handler(toRequest(req, options), sourceIp ? { sourceIp } : {});
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

export function toRequest(req: IncomingMessage, options: NodeHttpOptions = {}): Request {
  const forwardedProto = options.trustProxy ? firstValue(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim() : undefined;
  const scheme = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : "encrypted" in req.socket && req.socket.encrypted ? "https" : "http";
  const hostHeader = firstValue(req.headers.host);
  // A Host header is the client's to choose; one that is not a plain host[:port] never reaches a redirect URI.
  const host = hostHeader && VALID_HOST.test(hostHeader) ? hostHeader : `${formatAddress(req.socket.localAddress)}:${req.socket.localPort ?? 80}`;
  const url = new URL(req.url ?? "/", `${scheme}://${host}`);

  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // a header value fetch's Headers refuses is dropped, not passed on
    }
  }
  const method = (req.method ?? "GET").toUpperCase();
  const hasBody = method !== "GET" && method !== "HEAD";
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (hasBody) {
    init.body = Readable.toWeb(req) as NodeReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(url, init);
}

function clientAddress(req: IncomingMessage, options: NodeHttpOptions): string | undefined {
  if (options.trustProxy) {
    // The last entry is the one our proxy appended; earlier entries are the client's to forge.
    const forwarded = firstValue(req.headers["x-forwarded-for"])?.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  return req.socket.remoteAddress;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function formatAddress(address: string | undefined): string {
  if (!address) return "localhost";
  return isIP(address) === 6 ? `[${address}]` : address;
}
