import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import { receiveWebhook } from "../webhooks/ingest.js";
import { completeAuthorization, jsonResponse, startAuthorization, type OAuthRouteOptions, type RouteAnswer } from "./oauth-routes.js";
import { instruments } from "../metrics/instruments.js";
import { BodyAlreadyReadError, BodyTooLargeError, readCappedBody } from "./raw-body.js";
import { DEFAULT_READINESS_TIMEOUT_MS, readiness } from "./readiness.js";
import { hashUserId, jsonLinesToStdout, type RequestLogEntry, type RequestLogger } from "./request-log.js";
import { matchRoute, normalizePrefix, routeLabel, type Route } from "./routes.js";

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** What an adapter knows about the request beyond the web-standard Request. */
export interface RequestContext {
  /** The caller's address (for vendors trusted by IP allow-list). */
  readonly sourceIp?: string;
}

export type FetchHandler = (request: Request, context?: RequestContext) => Promise<Response>;

export interface FetchHandlerOptions extends Partial<Omit<OAuthRouteOptions, "prefix">> {
  /** Mount point, e.g. "/connector". Default: none. */
  readonly prefix?: string;
  /**
   * Protects the user-facing routes: `DELETE /connections/:vendor/:userId` and `GET /oauth/:vendor/start?userId=`.
   * Return true to let the request through (e.g. after checking your session cookie or an admin token, and that
   * the signed-in user is the `userId`). Without this hook, DELETE /connections is refused (403) and a start is
   * accepted only with a signed connect link (`?link=`, see engine.connectLink); a start with neither is refused (403).
   */
  readonly authorize?: (request: Request, route: AuthorizedRoute, context: RequestContext) => boolean | Promise<boolean>;
  /** Cap for webhook bodies, instead of each manifest's `webhooks.maxBodyBytes` (whose default is 1 MiB). */
  readonly maxBodyBytes?: number;
  /** How long `/readyz` waits for the store and the queue before it answers 503. Default 2000 ms. */
  readonly readinessTimeoutMs?: number;
  /** One JSON object per request. Default: a JSON line on stdout. */
  readonly logger?: RequestLogger;
}

export type AuthorizedRoute =
  | { readonly name: "oauth-start"; readonly vendor: string; readonly userId: string | null }
  | { readonly name: "connection"; readonly vendor: string; readonly userId: string };

/**
 * The engine's HTTP surface as a web-standard `(Request) => Promise<Response>`: OAuth start and callback, webhooks
 * (POST, and GET for subscription handshakes), revocation and a health check. Mount it in any runtime that speaks
 * Request/Response; node-http.ts and lambda-http.ts adapt it to node:http and API Gateway.
 */
export function createFetchHandler(engine: ConnectorEngine, options: FetchHandlerOptions = {}): FetchHandler {
  const prefix = normalizePrefix(options.prefix);
  const log = options.logger ?? jsonLinesToStdout;
  const oauthOptions: OAuthRouteOptions = { ...options, prefix };
  const vendorIds = new Set(engine.vendors.map((vendor) => vendor.id));

  const handle = async (request: Request, route: Route, context: RequestContext): Promise<RouteAnswer & { vendor?: string; eventTypes?: readonly string[]; eventCount?: number }> => {
    switch (route.name) {
      case "healthz":
        return { response: jsonResponse(200, { status: "ok", vendors: [...vendorIds] }), outcome: "ok" };
      case "readyz":
        return readiness(engine, options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS);
      case "webhook":
        return receive(engine, route.vendor, request, context, options.maxBodyBytes);
      case "oauth-start":
        return startAuthorization(engine, route.vendor, request, context, oauthOptions, options.authorize);
      case "oauth-callback":
        return completeAuthorization(engine, route.vendor, request, context, oauthOptions);
      case "connection": {
        if (!options.authorize || !(await options.authorize(request, route, context))) return forbidden();
        const result = await engine.vendor(route.vendor).revokeTokens(route.userId);
        return {
          response: jsonResponse(200, { deleted: result.deleted, revokedAtVendor: result.revokedAtVendor, ...(result.vendorError ? { vendorError: result.vendorError } : {}) }),
          outcome: result.deleted ? "revoked" : "not_connected",
          userId: route.userId,
        };
      }
    }
  };

  return async (request, context = {}) => {
    const started = performance.now();
    const method = request.method.toUpperCase();
    const url = new URL(request.url);
    const match = matchRoute(url.pathname, prefix);
    let label = match.ok ? routeLabel(match.route) : match.label;
    let entry: Omit<RequestLogEntry, "kind" | "time" | "route" | "method" | "latencyMs">;
    let response: Response;

    try {
      if (!match.ok) {
        response = jsonResponse(match.status, { error: match.error });
        entry = { outcome: "rejected", status: match.status, errorCode: match.error };
      } else if (!match.allowed.includes(method)) {
        response = jsonResponse(405, { error: "method_not_allowed" }, { allow: match.allowed.join(", ") });
        entry = { outcome: "rejected", status: 405 };
      } else if ("vendor" in match.route && !vendorIds.has(match.route.vendor)) {
        response = jsonResponse(404, { error: "unknown_vendor" });
        entry = { vendor: match.route.vendor, outcome: "rejected", status: 404, errorCode: "unknown_vendor" };
      } else {
        const answer = await handle(request, match.route, context);
        response = method === "HEAD" ? new Response(null, { status: answer.response.status, headers: answer.response.headers }) : answer.response;
        entry = {
          ...("vendor" in match.route ? { vendor: match.route.vendor } : {}),
          ...(answer.eventTypes?.length ? { eventTypes: answer.eventTypes } : {}),
          ...(answer.eventCount ? { eventCount: answer.eventCount } : {}),
          ...(answer.userId ? { userHash: hashUserId(answer.userId) } : {}),
          outcome: answer.outcome,
          status: response.status,
          ...(answer.errorCode ? { errorCode: answer.errorCode } : {}),
        };
      }
    } catch (error) {
      const known = isConnectorError(error, "unknown_vendor");
      const consumed = error instanceof BodyAlreadyReadError;
      response = jsonResponse(known ? 404 : 500, { error: known ? "unknown_vendor" : consumed ? error.code : "internal_error" });
      entry = {
        outcome: "error",
        status: response.status,
        errorCode: isConnectorError(error) ? error.code : consumed ? error.code : "internal_error",
        ...(consumed ? { hint: error.message } : {}),
      };
      label ||= "unmatched";
    }

    if (match.ok && match.route.name === "webhook") recordWebhook(vendorIds.has(match.route.vendor) ? match.route.vendor : "unknown", entry);
    log({ kind: "request", time: new Date().toISOString(), route: label, method, ...entry, latencyMs: Math.round((performance.now() - started) * 100) / 100 });
    return response;
  };
}

async function receive(engine: ConnectorEngine, vendorId: string, request: Request, context: RequestContext, limitOverride: number | undefined) {
  const manifestLimit = engine.vendors.find((vendor) => vendor.id === vendorId)?.manifest.webhooks.maxBodyBytes;
  let rawBody: Uint8Array;
  try {
    rawBody = await readCappedBody(request, limitOverride ?? manifestLimit ?? DEFAULT_MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return { response: jsonResponse(413, { error: "body_too_large" }, { connection: "close" }), outcome: "rejected", errorCode: "body_too_large" };
  }
  const result = await receiveWebhook(engine, vendorId, {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawBody,
    ...(context.sourceIp ? { sourceIp: context.sourceIp } : {}),
  });
  const { status, headers, body } = result.response;
  return {
    response: new Response(body === "" ? null : body, { status, headers: { "cache-control": "no-store", ...headers } }),
    outcome: result.outcome,
    eventCount: result.eventCount,
    eventTypes: result.eventTypes,
    ...(result.vendorUserIds[0] ? { userId: result.vendorUserIds[0] } : {}),
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
  };
}

/** synheart.webhooks {vendor, outcome, error_code}: an unknown vendor id is counted as "unknown", never as sent. */
function recordWebhook(vendor: string, entry: { outcome: string; errorCode?: string }): void {
  instruments().webhooks.add(1, { vendor, outcome: entry.outcome, ...(entry.errorCode ? { error_code: entry.errorCode } : {}) });
}

function forbidden(): RouteAnswer {
  return { response: jsonResponse(403, { error: "forbidden" }), outcome: "rejected", errorCode: "forbidden" };
}
