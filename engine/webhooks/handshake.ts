import { ConnectorError } from "../errors.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { Handshake, HandshakeResponse } from "../manifest/manifest.generated.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import { renderTemplate, renderTemplateVariants } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { parseBody } from "./body.js";
import { SecretMatcher } from "./constant-time.js";
import { bodyBytes, type HeaderReader, type WebhookRequest } from "./request.js";

/** What to send back to the vendor. */
export interface WebhookResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const MAX_ECHO_LENGTH = 1024;

/** Answers a subscription check (Fitbit verify code, Oura challenge, Polar PING) as the manifest declares it. */
export async function answerHandshake(
  vendor: string,
  handshakes: readonly DeepReadonly<Handshake>[],
  bodyEncoding: "json" | "form",
  credentials: VendorCredentials,
  request: WebhookRequest,
  header: HeaderReader,
  query: URLSearchParams,
): Promise<WebhookResponse | undefined> {
  const method = (request.method ?? "POST").toUpperCase();
  for (const handshake of handshakes) {
    if (handshake.method !== method || !(await applies(handshake, bodyEncoding, vendor, request, header, query))) continue;
    const verify = handshake.verify;
    if (verify) {
      const sent = verify.query !== undefined ? query.get(verify.query) : header(verify.header!);
      const expected = renderTemplateVariants(verify.equals, templateLookup(credentials));
      const matches = !!sent && new SecretMatcher(expected).matches(sent);
      if (!matches) return respond(handshake.respondOnMismatch ?? { status: 401 }, header, query);
    }
    return respond(handshake.respond, header, query);
  }
  return undefined;
}

async function applies(
  handshake: DeepReadonly<Handshake>,
  bodyEncoding: "json" | "form",
  vendor: string,
  request: WebhookRequest,
  header: HeaderReader,
  query: URLSearchParams,
): Promise<boolean> {
  const { when } = handshake;
  if (when.query && !when.query.every((name) => query.has(name))) return false;
  if (when.header && header(when.header.name) !== when.header.equals) return false;
  if (when.body) {
    let body: unknown;
    try {
      body = parseBody(bodyBytes(request.rawBody), bodyEncoding, vendor);
    } catch (error) {
      if (error instanceof ConnectorError) return false;
      throw error;
    }
    if ((await evaluateExpression(when.body, body)) !== true) return false;
  }
  return true;
}

function respond(spec: DeepReadonly<HandshakeResponse>, header: HeaderReader, query: URLSearchParams): WebhookResponse {
  const lookup = (name: string) => {
    const value = name.startsWith("query.") ? query.get(name.slice(6)) : name.startsWith("headers.") ? header(name.slice(8)) : undefined;
    return value === null || value === undefined ? undefined : value.slice(0, MAX_ECHO_LENGTH);
  };
  if (spec.json) {
    return { status: spec.status, headers: { "content-type": "application/json" }, body: JSON.stringify(renderJson(spec.json, lookup)) };
  }
  if (spec.text !== undefined) {
    return { status: spec.status, headers: { "content-type": "text/plain; charset=utf-8" }, body: renderTemplate(spec.text, lookup) };
  }
  return { status: spec.status, headers: {}, body: "" };
}

function renderJson(value: unknown, lookup: (name: string) => string | undefined): unknown {
  if (typeof value === "string") return renderTemplate(value, lookup);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, lookup));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, renderJson(inner, lookup)]));
  }
  return value;
}
