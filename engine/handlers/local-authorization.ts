import { createHash, timingSafeEqual } from "node:crypto";
import type { FetchHandlerOptions } from "./fetch-handler.js";

/**
 * `serve`'s guard for the user-facing routes. Revocation (`DELETE /connections/...`) needs
 * `Authorization: Bearer <SYNHEART_ADMIN_TOKEN>`, compared in constant time; without an admin token it is refused
 * for every caller, loopback included (behind a reverse proxy on the same host every caller is loopback).
 * Starting a connection needs a signed connect link (`synheart-connector connect-link`): the local server has no
 * sessions to tie a userId to, so this hook never vouches for one.
 */
export function requireAdminToken(adminToken: string | undefined): NonNullable<FetchHandlerOptions["authorize"]> {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (request, route) => {
    if (route.name === "oauth-start" || expected === undefined) return false;
    const presented = /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

/** @deprecated Loopback callers are no longer trusted; this is requireAdminToken. */
export const adminOrLoopback = requireAdminToken;

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
