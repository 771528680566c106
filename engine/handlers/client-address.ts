import { isIP } from "node:net";

export interface ClientAddressOptions {
  /**
   * Behind a reverse proxy you control: take the client address from the last X-Forwarded-For entry (the one your
   * proxy appended) and the scheme from X-Forwarded-Proto. Off by default: anyone can send those headers, and a
   * source-IP allow-list (Withings) must not trust them unless a proxy of yours overwrites them.
   */
  readonly trustProxy?: boolean;
}

/**
 * The caller's address, the same way in every adapter (node:http, Express, Fastify, Hono): the socket's peer, or with
 * `trustProxy` the last X-Forwarded-For entry when it is an IP address.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | readonly string[] | null | undefined, options: ClientAddressOptions = {}): string | undefined {
  if (options.trustProxy && forwardedFor) {
    const header = typeof forwardedFor === "string" ? forwardedFor : forwardedFor.join(",");
    // Earlier entries are the client's to forge; the last one is what our proxy saw.
    const last = header.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
    if (last && isIP(last)) return last;
  }
  return socketAddress || undefined;
}
