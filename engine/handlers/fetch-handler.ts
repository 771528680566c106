import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import { completeAuthorization, jsonResponse, startAuthorization, type OAuthRouteOptions, type RouteAnswer } from "./oauth-routes.js";
import { instruments } from "../metrics/instruments.js";
import { BodyAlreadyReadError, readCappedBody } from "./raw-body.js";
import { DEFAULT_READINESS_TIMEOUT_MS, readiness } from "./readiness.js";
import { hashUserId, jsonLinesToStdout, type RequestLogEntry, type RequestLogger } from "./request-log.js";
import { matchRoute, normalizePrefix, routeLabel, type Route } from "./routes.js";
import { answerWebhook, type PlainAnswer, type WebhookRouteAnswer } from "./webhook-route.js";

export { DEFAULT_MAX_BODY_BYTES } from "./webhook-route.js";

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

  const writeLog = (label: string, method: string, started: number, entry: Omit<RequestLogEntry, "kind" | "time" | "route" | "method" | "latencyMs">) => {
    if (label === "/webhooks/:vendor") recordWebhook(entry.vendor !== undefined && vendorIds.has(entry.vendor) ? entry.vendor : "unknown", entry);
    log({ kind: "request", time: new Date().toISOString(), route: label, method, ...entry, latencyMs: Math.round((performance.now() - started) * 100) / 100 });
  };

  const handler: FetchHandler = async (request, context = {}) => {
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
        entry = logFields(match.route, answer, response.status);
      }
    } catch (error) {
      response = errorResponse(error);
      entry = errorFields(error, response.status);
      label ||= "unmatched";
    }

    writeLog(label, method, started, entry);
    return response;
  };

  // The adapters' route for the common case, a webhook POST (node:http, Lambda): the same pipeline and log line,
  // without building a web Request and Response (nor loading the fetch implementation behind them).
  plainWebhookRoutes.set(handler, async (input) => {
    if (input.method !== "POST") return undefined;
    const queryStart = input.path.indexOf("?");
    const pathname = queryStart < 0 ? input.path : input.path.slice(0, queryStart);
    // Only paths that URL parsing would leave as they are (no dots, no escapes, no doubled slashes).
    if (!PLAIN_PATH.test(pathname)) return undefined;
    const match = matchRoute(pathname, prefix);
    if (!match.ok || match.route.name !== "webhook" || !vendorIds.has(match.route.vendor)) return undefined;
    const started = performance.now();
    const route = match.route;
    try {
      const request = { method: "POST", url: input.path, headers: input.headers, ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}) };
      const answer = await answerWebhook(engine, route.vendor, request, input.readBody, options.maxBodyBytes);
      writeLog("/webhooks/:vendor", "POST", started, logFields(route, answer, answer.answer.status));
      return answer.answer;
    } catch (error) {
      const response = errorResponse(error);
      writeLog("/webhooks/:vendor", "POST", started, errorFields(error, response.status));
      return { status: response.status, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: await response.text() };
    }
  });
  return handler;
}

const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)+$/;

/** What an adapter hands the fast webhook route: the request's parts as its runtime has them. */
export interface PlainWebhookInput {
  readonly method: string;
  /** Path and query as sent (IncomingMessage.url). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly sourceIp?: string;
  readBody(limitBytes: number): Promise<Uint8Array>;
}

/** Undefined when the request is not a webhook POST for a served vendor: the adapter then takes the Request route. */
export type PlainWebhookRoute = (input: PlainWebhookInput) => Promise<PlainAnswer | undefined>;

const plainWebhookRoutes = new WeakMap<FetchHandler, PlainWebhookRoute>();

/** The fast webhook route of a handler made by createFetchHandler (undefined for any other fetch handler). */
export function plainWebhookRouteOf(handler: FetchHandler): PlainWebhookRoute | undefined {
  return plainWebhookRoutes.get(handler);
}

type LogFields = Omit<RequestLogEntry, "kind" | "time" | "route" | "method" | "latencyMs">;

function logFields(route: Route, answer: Pick<RouteAnswer, "outcome" | "errorCode" | "userId"> & { eventTypes?: readonly string[]; eventCount?: number }, status: number): LogFields {
  return {
    ...("vendor" in route ? { vendor: route.vendor } : {}),
    ...(answer.eventTypes?.length ? { eventTypes: answer.eventTypes } : {}),
    ...(answer.eventCount ? { eventCount: answer.eventCount } : {}),
    ...(answer.userId ? { userHash: hashUserId(answer.userId) } : {}),
    outcome: answer.outcome,
    status,
    ...(answer.errorCode ? { errorCode: answer.errorCode } : {}),
  };
}

function errorResponse(error: unknown): Response {
  const known = isConnectorError(error, "unknown_vendor");
  const consumed = error instanceof BodyAlreadyReadError;
  return jsonResponse(known ? 404 : 500, { error: known ? "unknown_vendor" : consumed ? error.code : "internal_error" });
}

function errorFields(error: unknown, status: number): LogFields {
  const consumed = error instanceof BodyAlreadyReadError;
  return {
    outcome: "error",
    status,
    errorCode: isConnectorError(error) ? error.code : consumed ? error.code : "internal_error",
    ...(consumed ? { hint: error.message } : {}),
  };
}

async function receive(engine: ConnectorEngine, vendorId: string, request: Request, context: RequestContext, limitOverride: number | undefined) {
  const webhookRequest = { method: request.method, url: request.url, headers: request.headers, ...(context.sourceIp ? { sourceIp: context.sourceIp } : {}) };
  const routed: WebhookRouteAnswer = await answerWebhook(engine, vendorId, webhookRequest, (limit) => readCappedBody(request, limit), limitOverride);
  const { status, headers, body } = routed.answer;
  return { ...routed, response: new Response(body === "" ? null : body, { status, headers }) };
}

/** synheart.webhooks {vendor, outcome, error_code}: an unknown vendor id is counted as "unknown", never as sent. */
function recordWebhook(vendor: string, entry: { outcome: string; errorCode?: string }): void {
  instruments().webhooks.add(1, { vendor, outcome: entry.outcome, ...(entry.errorCode ? { error_code: entry.errorCode } : {}) });
}

function forbidden(): RouteAnswer {
  return { response: jsonResponse(403, { error: "forbidden" }), outcome: "rejected", errorCode: "forbidden" };
}
