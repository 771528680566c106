import { createFetchHandler, plainWebhookRouteOf, type FetchHandler, type FetchHandlerOptions } from "./fetch-handler.js";
import { BodyTooLargeError } from "./raw-body.js";
import type { PlainAnswer } from "./webhook-route.js";
import { lazyEngine, type EngineSource } from "./lazy-engine.js";

/** API Gateway HTTP API payload format 2.0, as Lambda function URLs send it too (only the fields used here). */
export interface ApiGatewayV2Event {
  readonly version?: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly cookies?: readonly string[];
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly domainName?: string;
    readonly http: { readonly method: string; readonly path?: string; readonly sourceIp?: string };
  };
}

export interface ApiGatewayV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export type LambdaHttpHandler = (event: ApiGatewayV2Event) => Promise<ApiGatewayV2Result>;

/**
 * A Lambda handler for API Gateway HTTP APIs (payload v2) and function URLs, serving the fetch handler's routes.
 * The engine comes from `engine` once per container: pass a factory so manifests load on the first request of a
 * cold container, not for every one. For a stage other than $default, rawPath starts with the stage: set `prefix`.
 */
export function createLambdaHttpHandler(engine: EngineSource, options: FetchHandlerOptions = {}): LambdaHttpHandler {
  const getEngine = lazyEngine(engine);
  let handler: Promise<FetchHandler> | undefined;
  const getHandler = () => (handler ??= getEngine().then((ready) => createFetchHandler(ready, options)).catch((error: unknown) => {
    handler = undefined;
    throw error;
  }));

  return async (event) => {
    const fetchHandler = await getHandler();
    const sourceIp = event.requestContext.http.sourceIp;
    const webhookRoute = plainWebhookRouteOf(fetchHandler);
    if (webhookRoute && event.requestContext.http.method.toUpperCase() === "POST") {
      // A webhook POST: answered without building a web Request or Response.
      const answer = await webhookRoute({
        method: "POST",
        path: `${event.rawPath || "/"}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`,
        headers: definedHeaders(event.headers),
        ...(sourceIp ? { sourceIp } : {}),
        readBody: async (limitBytes) => bodyOf(event, limitBytes),
      });
      if (answer) return plainResult(answer);
    }
    const response = await fetchHandler(toRequest(event), sourceIp ? { sourceIp } : {});
    return toResult(response);
  };
}

function definedHeaders(headers: ApiGatewayV2Event["headers"]): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) defined[name] = value;
  }
  return defined;
}

function bodyOf(event: ApiGatewayV2Event, limitBytes: number): Buffer {
  // Refused before decoding when the encoded length alone says it is over.
  const encoded = event.body?.length ?? 0;
  if (encoded > (event.isBase64Encoded ? Math.ceil(limitBytes / 3) * 4 : limitBytes * 3)) throw new BodyTooLargeError(limitBytes);
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  if (body.byteLength > limitBytes) throw new BodyTooLargeError(limitBytes);
  return body;
}

function plainResult(answer: PlainAnswer): ApiGatewayV2Result {
  return { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body, isBase64Encoded: false };
}

export function toRequest(event: ApiGatewayV2Event): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value === undefined) continue;
    try {
      headers.set(name, value);
    } catch {
      // dropped: not a value a fetch Headers accepts
    }
  }
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  const claimed = event.requestContext.domainName ?? headers.get("host") ?? "";
  // Only a plain host name reaches the request URL (and from there a redirect URI).
  const host = VALID_HOST.test(claimed) ? claimed : "lambda.invalid";
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  const method = event.requestContext.http.method.toUpperCase();
  const url = new URL(`${event.rawPath || "/"}${query}`, `https://${host}`);
  const hasBody = method !== "GET" && method !== "HEAD" && event.body !== undefined;
  const body = hasBody ? Buffer.from(event.body!, event.isBase64Encoded ? "base64" : "utf8") : undefined;
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

const VALID_HOST = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?$/;

const TEXTUAL = /^(?:text\/|application\/(?:json|xml|x-www-form-urlencoded|javascript)|[^;]*\+json)/i;

export async function toResult(response: Response): Promise<ApiGatewayV2Result> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const bytes = Buffer.from(await response.arrayBuffer());
  const textual = bytes.byteLength === 0 || TEXTUAL.test(response.headers.get("content-type") ?? "");
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: textual ? bytes.toString("utf8") : bytes.toString("base64"),
    isBase64Encoded: !textual,
  };
}
