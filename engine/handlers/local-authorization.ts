import { createHash, timingSafeEqual } from "node:crypto";
import type { FetchHandlerOptions } from "./fetch-handler.js";

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * `serve`'s guard for the user-facing routes: with an admin token, `Authorization: Bearer <token>` is required for
 * revocation; without one, only requests from this machine may revoke. Starting a connection stays open: the local
 * server has no sessions to tie a userId to.
 */
export function adminOrLoopback(adminToken: string | undefined): NonNullable<FetchHandlerOptions["authorize"]> {
  return (request, route, context) => {
    if (route.name === "oauth-start") return true;
    if (adminToken) {
      const presented = /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      return presented !== undefined && sameSecret(presented, adminToken);
    }
    return context.sourceIp !== undefined && LOOPBACK.test(context.sourceIp);
  };
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
