import type { IncomingMessage } from "node:http";
import { clientAddress, type ClientAddressOptions } from "./client-address.js";
import { DEFAULT_MAX_BODY_BYTES, type FetchHandler } from "./fetch-handler.js";
import { toRequest } from "./node-http.js";

export interface FastifyConnectorOptions extends ClientAddressOptions {
  /** Fastify's own cap on the raw body it collects for the connector's routes. Default 1 MiB, like the manifests'. */
  readonly bodyLimit?: number;
}

// The parts of Fastify this uses, so the package does not depend on Fastify's types.
type ParserDone = (error: Error | null, body?: unknown) => void;

export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly body?: unknown;
}

export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike;
  header(name: string, value: string | string[]): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(contentType: string, options: { parseAs: "buffer"; bodyLimit: number }, parser: (request: never, body: Buffer, done: ParserDone) => void): void;
  all(path: string, handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>): unknown;
}

/**
 * A Fastify plugin serving the connector: `app.register(fastifyConnector(handle), { prefix: "/connector" })` with
 * `createFetchHandler(engine, { prefix: "/connector" })`. Inside the plugin's own scope every body is kept as raw
 * bytes (Fastify's JSON parser would lose the bytes a signature covers); the rest of the app keeps its parsers.
 */
export function fastifyConnector(handler: FetchHandler, options: FastifyConnectorOptions = {}): (instance: FastifyInstanceLike) => Promise<void> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_MAX_BODY_BYTES;
  return async (instance) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));
    instance.all("/*", async (request, reply) => {
      const body = request.body instanceof Uint8Array ? request.body : undefined;
      const sourceIp = clientAddress(request.raw.socket.remoteAddress, request.raw.headers["x-forwarded-for"], options);
      const response = await handler(toRequest(request.raw, options, body), sourceIp ? { sourceIp } : {});
      reply.code(response.status);
      response.headers.forEach((value, name) => {
        if (name !== "set-cookie") reply.header(name, value);
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) reply.header("set-cookie", cookies);
      const bytes = Buffer.from(await response.arrayBuffer());
      return reply.send(bytes.byteLength ? bytes : undefined);
    });
  };
}
