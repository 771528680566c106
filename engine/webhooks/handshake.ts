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
/** A handshake body is a few fields (`{"type":"verification"}`); a larger body is not one and is not parsed here. */
export const MAX_HANDSHAKE_BODY_BYTES = 4096;

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
  if (!when) return true; // a bare probe (Withings' HEAD): the method is the whole test
  if (when.query && !when.query.every((name) => query.has(name))) return false;
  if (when.queryEquals && !Object.entries(when.queryEquals).every(([name, value]) => query.get(name) === value)) return false;
  if (when.header && header(when.header.name) !== when.header.equals) return false;
  if (!when.body && !when.bodyEquals) return true;
  const bytes = bodyBytes(request.rawBody);
  if (when.bodyEquals && bytes.byteLength > MAX_HANDSHAKE_BODY_BYTES) return false;
  let body: unknown;
  try {
    body = parseBody(bytes, bodyEncoding, vendor);
  } catch (error) {
    if (error instanceof ConnectorError) return false;
    throw error;
  }
  if (when.bodyEquals && !fieldsEqual(body, when.bodyEquals)) return false;
  if (when.body && (await evaluateExpression(when.body, body)) !== true) return false;
  return true;
}

/** Top-level fields compared by value; a form body's values are strings, so a declared number matches its text. */
function fieldsEqual(body: unknown, expected: DeepReadonly<Record<string, string | number | boolean>>): boolean {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return Object.entries(expected).every(([name, value]) => {
    if (!Object.hasOwn(record, name)) return false;
    const sent = record[name];
    return sent === value || (typeof sent === "string" && typeof value !== "string" && sent === String(value));
  });
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
