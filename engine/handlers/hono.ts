import { clientAddress, type ClientAddressOptions } from "./client-address.js";
import type { RequestContext } from "./fetch-handler.js";

/** The part of Hono's Context this reads (no dependency on Hono's types). */
export interface HonoContextLike {
  readonly env?: unknown;
  readonly req: { readonly raw: Request; header(name: string): string | undefined };
}

/** Hono's mount options, as `app.mount(path, handler, options)` and `mount(handler, options)` from hono/mount take them. */
export interface HonoMountOptions {
  readonly replaceRequest: false;
  readonly optionHandler: (c: HonoContextLike) => RequestContext;
}

/**
 * Options for mounting the connector's fetch handler in Hono:
 * `app.mount("/connector", handle, honoMountOptions())` with `createFetchHandler(engine, { prefix: "/connector" })`.
 * The request keeps its full URL (Hono would strip the mount path; the handler routes and builds redirect URIs from
 * its own prefix), and the client address comes from @hono/node-server's socket the same way as in every adapter.
 */
export function honoMountOptions(options: ClientAddressOptions = {}): HonoMountOptions {
  return {
    replaceRequest: false,
    optionHandler: (c) => {
      const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
      const sourceIp = clientAddress(incoming?.socket?.remoteAddress, c.req.header("x-forwarded-for"), options);
      return sourceIp ? { sourceIp } : {};
    },
  };
}
