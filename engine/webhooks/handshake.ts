import { ConnectorError } from "../errors.js";
import type { Handshake, HandshakeBody, HandshakeResponse } from "../manifest/manifest.generated.js";
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
/** The schema's default for `when.body.maxBytes`: a handshake body is a few fields, and a larger one is not parsed. */
export const DEFAULT_HANDSHAKE_MAX_BYTES = 4096;

/** Answers a subscription check (Fitbit verify code, Oura challenge, Polar PING) as the manifest declares it. */
export function answerHandshake(
  vendor: string,
  handshakes: readonly DeepReadonly<Handshake>[],
  bodyEncoding: "json" | "form",
  credentials: VendorCredentials,
  request: WebhookRequest,
  header: HeaderReader,
  query: URLSearchParams,
): WebhookResponse | undefined {
  const method = (request.method ?? "POST").toUpperCase();
  for (const handshake of handshakes) {
    if (handshake.method !== method || !applies(handshake, bodyEncoding, vendor, request, header, query)) continue;
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

function applies(
  handshake: DeepReadonly<Handshake>,
  bodyEncoding: "json" | "form",
  vendor: string,
  request: WebhookRequest,
  header: HeaderReader,
  query: URLSearchParams,
): boolean {
  const { when } = handshake;
  if (!when) return true; // a bare probe (Withings' HEAD): the method is the whole test
  if (when.query && !when.query.every((name) => query.has(name))) return false;
  if (when.queryEquals && !Object.entries(when.queryEquals).every(([name, value]) => query.get(name) === value)) return false;
  if (when.header && header(when.header.name) !== when.header.equals) return false;
  if (when.body && !bodyMatches(when.body, bodyBytes(request.rawBody), bodyEncoding, vendor)) return false;
  return true;
}

/**
 * Runs before anything is authenticated, on whatever anyone sends: only a small body is parsed (a few KiB, parsed in
 * microseconds), and matching compares a few top-level fields, never an expression evaluated over the sender's input.
 */
function bodyMatches(spec: DeepReadonly<HandshakeBody>, bytes: Buffer, bodyEncoding: "json" | "form", vendor: string): boolean {
  if (bytes.byteLength === 0 || bytes.byteLength > (spec.maxBytes ?? DEFAULT_HANDSHAKE_MAX_BYTES)) return false;
  let body: unknown;
  try {
    body = parseBody(bytes, bodyEncoding, vendor);
  } catch (error) {
    if (error instanceof ConnectorError) return false;
    throw error;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
  const fields = body as Record<string, unknown>;
  for (const [name, expected] of Object.entries(spec.equals)) {
    if (!Object.hasOwn(fields, name)) return false;
    const sent = fields[name];
    // Form fields are strings: `equals: { appli: 1 }` matches appli=1.
    if (sent !== expected && !(bodyEncoding === "form" && sent === String(expected))) return false;
  }
  const optional = spec.optionalFields ?? [];
  return Object.keys(fields).every((name) => Object.hasOwn(spec.equals, name) || optional.includes(name));
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
