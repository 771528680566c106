import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import { createBrowserBinding } from "../oauth/browser-binding.js";
import { clearBindingCookie, readBindingCookie, setBindingCookie, type BindingCookieScope } from "./binding-cookie.js";
import {
  checkStartParameters,
  clientBucket,
  globalBucket,
  takeStartCapacity,
  userBucket,
  type StartRateLimits,
} from "./oauth-start-guard.js";

export interface OAuthRouteOptions {
  /** Path prefix the handler is mounted under ("" or "/connector"). */
  readonly prefix: string;
  /**
   * Public origin (scheme://host[:port]) the vendor redirects to. Required unless `redirectUri` is given or the
   * connector is reached on a loopback host (localhost, 127.0.0.1, [::1]): the request's Host header is the
   * client's to choose and never decides a redirect URI elsewhere.
   */
  readonly publicOrigin?: string;
  /** Fixed redirect URI per vendor, instead of <origin><prefix>/oauth/<vendor>/callback. */
  readonly redirectUri?: (vendorId: string) => string;
  /** Where the user's browser goes after connecting: `?vendor=<id>&status=connected` is added. */
  readonly successUrl?: string;
  /** Where it goes when connecting failed: `?vendor=<id>&error=<short code>` is added. */
  readonly errorUrl?: string;
  /** Token buckets for starts (per client address, per user, overall). */
  readonly startRateLimits?: StartRateLimits;
}

export interface RouteAnswer {
  readonly response: Response;
  readonly outcome: string;
  readonly errorCode?: string;
  readonly userId?: string;
}

/** What the start route asks the embedder's `authorize` hook. */
export type StartAuthorizer = (
  request: Request,
  route: { readonly name: "oauth-start"; readonly vendor: string; readonly userId: string | null },
  context: { readonly sourceIp?: string },
) => boolean | Promise<boolean>;

const LOOPBACK_HOST = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;
const LOOPBACK_ADDRESS = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;
const MAX_CODE_LENGTH = 4096;
const MAX_STATE_LENGTH = 512;

/**
 * The redirect URI from configuration; the request's own origin only when it names a loopback host and the caller
 * is on this machine too (a remote client can write `Host: localhost`).
 */
export function redirectUriFor(request: Request, vendorId: string, options: OAuthRouteOptions, context: { readonly sourceIp?: string } = {}): string | undefined {
  if (options.redirectUri) return options.redirectUri(vendorId);
  const requestUrl = new URL(request.url);
  const local = LOOPBACK_HOST.test(requestUrl.hostname) && (context.sourceIp === undefined || LOOPBACK_ADDRESS.test(context.sourceIp));
  const origin = options.publicOrigin ? new URL(options.publicOrigin).origin : local ? requestUrl.origin : undefined;
  return origin === undefined ? undefined : `${origin}${options.prefix}/oauth/${vendorId}/callback`;
}

/**
 * GET /oauth/:vendor/start?link=<connect link> (or ?userId= with an `authorize` hook that vouches for the user):
 * saves a pending authorization bound to this browser and sends the browser to the vendor. Without a valid link
 * and without a hook that says yes, nothing is stored (fail closed).
 */
export async function startAuthorization(
  engine: ConnectorEngine,
  vendorId: string,
  request: Request,
  context: { readonly sourceIp?: string },
  options: OAuthRouteOptions,
  authorize: StartAuthorizer | undefined,
): Promise<RouteAnswer> {
  const checked = checkStartParameters(new URL(request.url));
  if (!checked.ok) return refuse(400, "invalid_parameter", { parameter: checked.reason });
  const limits = options.startRateLimits ?? {};
  const capacity = await takeStartCapacity(engine.backends.rateLimiter, [clientBucket(limits, context.sourceIp), globalBucket(limits)]);
  if (!capacity.granted) return rateLimited(capacity.retryInMs);

  const { link, scopes } = checked.parameters;
  let userId = checked.parameters.userId;
  if (link !== undefined) {
    try {
      const claims = engine.verifyConnectLink(vendorId, link);
      if (userId !== undefined && userId !== claims.userId) return refuse(403, "connect_link_invalid");
      userId = claims.userId;
    } catch (error) {
      if (!isConnectorError(error, "connect_link_invalid")) throw error;
      return refuse(403, "connect_link_invalid");
    }
  } else if (authorize) {
    if (userId === undefined) return refuse(400, "missing_user_id");
    if (!(await authorize(request, { name: "oauth-start", vendor: vendorId, userId }, context))) return refuse(403, "forbidden");
  } else {
    return refuse(403, "start_not_authorized");
  }

  const perUser = await takeStartCapacity(engine.backends.rateLimiter, [userBucket(limits, vendorId, userId)]);
  if (!perUser.granted) return rateLimited(perUser.retryInMs);
  const redirectUri = redirectUriFor(request, vendorId, options, context);
  if (redirectUri === undefined) return refuse(500, "public_url_not_configured");

  const binding = createBrowserBinding();
  const authorization = await engine.vendor(vendorId).authorizationUrl({ userId, redirectUri, browserBinding: binding, ...(scopes ? { scopes } : {}) });
  const response = redirect(authorization.url);
  response.headers.append("set-cookie", setBindingCookie(cookieScope(vendorId, redirectUri), binding, (authorization.expiresAt - Date.now()) / 1000));
  return { response, outcome: "redirected", userId };
}

/**
 * GET /oauth/:vendor/callback: exchanges the code when the browser presents the binding cookie its start set; the
 * browser is told only a short error code, never the vendor's text. The cookie is cleared whatever happened.
 */
export async function completeAuthorization(
  engine: ConnectorEngine,
  vendorId: string,
  request: Request,
  context: { readonly sourceIp?: string },
  options: OAuthRouteOptions,
): Promise<RouteAnswer> {
  const url = new URL(request.url);
  const redirectUri = redirectUriFor(request, vendorId, options, context);
  if (redirectUri === undefined) return refuse(500, "public_url_not_configured");
  const scope = cookieScope(vendorId, redirectUri);
  const withCookieCleared = (answer: RouteAnswer): RouteAnswer => {
    answer.response.headers.append("set-cookie", clearBindingCookie(scope));
    return answer;
  };
  const code = url.searchParams.get("code");
  const state = url.searchParams.get("state");
  if ((code?.length ?? 0) > MAX_CODE_LENGTH || (state?.length ?? 0) > MAX_STATE_LENGTH) {
    return withCookieCleared(refuse(400, "invalid_parameter", { parameter: (code?.length ?? 0) > MAX_CODE_LENGTH ? "code" : "state" }));
  }
  if (url.searchParams.has("error") || !code || !state) {
    const errorCode = url.searchParams.has("error") ? "authorization_denied" : "missing_code";
    return withCookieCleared({ response: finish(options, vendorId, { error: errorCode }), outcome: "failed", errorCode });
  }
  try {
    const result = await engine.vendor(vendorId).exchangeCode({ code, state, redirectUri, browserBinding: readBindingCookie(request, vendorId) ?? "" });
    return withCookieCleared({ response: finish(options, vendorId, { status: "connected" }), outcome: "connected", userId: result.userId });
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    const response = error.code === "browser_binding_mismatch" ? page(403, vendorId, error.code) : finish(options, vendorId, { error: error.code });
    return withCookieCleared({ response, outcome: "failed", errorCode: error.code });
  }
}

function cookieScope(vendorId: string, redirectUri: string): BindingCookieScope {
  const callback = new URL(redirectUri);
  return { vendorId, path: callback.pathname, secure: callback.protocol === "https:" };
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
  return "error" in result ? page(400, vendorId, result.error) : page(200, vendorId, undefined);
}

function page(status: number, vendorId: string, error: string | undefined): Response {
  const text = error === undefined ? `Connected to ${vendorId}. You can close this window.` : `Connecting to ${vendorId} failed (${error}). Start again.`;
  return new Response(`<!doctype html><meta charset="utf-8"><title>${error === undefined ? "Connected" : "Not connected"}</title><p>${text}</p>\n`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

function refuse(status: number, error: string, extra: Record<string, string> = {}): RouteAnswer {
  return { response: jsonResponse(status, { error, ...extra }), outcome: "rejected", errorCode: error };
}

function rateLimited(retryInMs: number): RouteAnswer {
  return {
    response: jsonResponse(429, { error: "rate_limited" }, { "retry-after": String(Math.max(1, Math.ceil(retryInMs / 1000))) }),
    outcome: "rejected",
    errorCode: "rate_limited",
  };
}

export function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
