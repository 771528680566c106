import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import { validUserId } from "./routes.js";

export interface OAuthRouteOptions {
  /** Path prefix the handler is mounted under ("" or "/connector"). */
  readonly prefix: string;
  /** Public origin (scheme://host[:port]) when the request's own URL is not what the vendor can reach (a proxy). */
  readonly publicOrigin?: string;
  /** Fixed redirect URI per vendor, instead of <origin><prefix>/oauth/<vendor>/callback. */
  readonly redirectUri?: (vendorId: string) => string;
  /** Where the user's browser goes after connecting: `?vendor=<id>&status=connected` is added. */
  readonly successUrl?: string;
  /** Where it goes when connecting failed: `?vendor=<id>&error=<short code>` is added. */
  readonly errorUrl?: string;
}

export interface RouteAnswer {
  readonly response: Response;
  readonly outcome: string;
  readonly errorCode?: string;
  readonly userId?: string;
}

export function redirectUriFor(request: Request, vendorId: string, options: OAuthRouteOptions): string {
  if (options.redirectUri) return options.redirectUri(vendorId);
  const origin = options.publicOrigin ? new URL(options.publicOrigin).origin : new URL(request.url).origin;
  return `${origin}${options.prefix}/oauth/${vendorId}/callback`;
}

/** GET /oauth/:vendor/start?userId=...: saves a pending authorization and sends the browser to the vendor. */
export async function startAuthorization(engine: ConnectorEngine, vendorId: string, request: Request, options: OAuthRouteOptions): Promise<RouteAnswer> {
  const url = new URL(request.url);
  const userId = validUserId(url.searchParams.get("userId"));
  if (!userId) return { response: jsonResponse(400, { error: "missing_user_id" }), outcome: "rejected", errorCode: "missing_user_id" };
  const service = engine.vendor(vendorId);
  const scopes = url.searchParams.get("scope")?.split(/[\s,]+/).filter(Boolean);
  const authorization = await service.authorizationUrl({
    userId,
    redirectUri: redirectUriFor(request, vendorId, options),
    ...(scopes?.length ? { scopes } : {}),
  });
  return { response: redirect(authorization.url), outcome: "redirected", userId };
}

/** GET /oauth/:vendor/callback: exchanges the code; the browser is told only a short error code, never the vendor's text. */
export async function completeAuthorization(engine: ConnectorEngine, vendorId: string, request: Request, options: OAuthRouteOptions): Promise<RouteAnswer> {
  const url = new URL(request.url);
  const service = engine.vendor(vendorId);
  const code = url.searchParams.get("code");
  const state = url.searchParams.get("state");
  if (url.searchParams.has("error") || !code || !state) {
    const errorCode = url.searchParams.has("error") ? "authorization_denied" : "missing_code";
    return { response: finish(options, vendorId, { error: errorCode }), outcome: "failed", errorCode };
  }
  try {
    const result = await service.exchangeCode({ code, state, redirectUri: redirectUriFor(request, vendorId, options) });
    return { response: finish(options, vendorId, { status: "connected" }), outcome: "connected", userId: result.userId };
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    return { response: finish(options, vendorId, { error: error.code }), outcome: "failed", errorCode: error.code };
  }
}

function finish(options: OAuthRouteOptions, vendorId: string, result: { status: "connected" } | { error: string }): Response {
  const target = "error" in result ? options.errorUrl : options.successUrl;
  if (target) {
    const url = new URL(target);
    url.searchParams.set("vendor", vendorId);
    if ("error" in result) url.searchParams.set("error", result.error);
    else url.searchParams.set("status", result.status);
    return redirect(url.toString());
  }
  const ok = !("error" in result);
  const text = ok ? `Connected to ${vendorId}. You can close this window.` : `Connecting to ${vendorId} failed (${result.error}). Start again.`;
  return new Response(`<!doctype html><meta charset="utf-8"><title>${ok ? "Connected" : "Not connected"}</title><p>${text}</p>\n`, {
    status: ok ? 200 : 400,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

export function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
