import { loadKy } from "../api/lazy-ky.js";
import { oauthOf } from "../manifest/vendor-definition.js";
import { ConnectorError } from "../errors.js";
import { describeCause, safeCause } from "../safe-cause.js";
import { templateLookup } from "../manifest/credentials.js";
import { evaluateExpression } from "../manifest/expressions.js";
import { renderTemplate } from "../manifest/template.js";
import { applyClientAuthentication } from "./client-auth.js";
import { DEFAULT_HTTP_TIMEOUT_MS, safeErrorCode, type VendorContext } from "./context.js";
import { tokenSetFromResponse, type TokenSet } from "./token-set.js";

/** A successful token endpoint answer: the parsed tokens, the token object and the whole response body. */
export interface TokenEndpointResult {
  readonly tokens: TokenSet;
  /** The object holding the tokens (after the manifest's envelope `path`). */
  readonly tokenObject: Readonly<Record<string, unknown>>;
  /** The whole JSON response. */
  readonly response: unknown;
}

export interface AuthorizationCodeGrant {
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier?: string;
  readonly requestedScopes: readonly string[];
}

/** RFC 6749 section 4.1.3 (+ RFC 7636 code_verifier), with the manifest's client authentication and token params. */
export function authorizationCodeGrantRequest(context: VendorContext, grant: AuthorizationCodeGrant): Promise<TokenEndpointResult> {
  const parameters = new URLSearchParams({ grant_type: "authorization_code", code: grant.code, redirect_uri: grant.redirectUri });
  if (grant.codeVerifier) parameters.set("code_verifier", grant.codeVerifier);
  return tokenEndpointRequest(context, oauthOf(context.vendor.manifest).tokenUrl, parameters, { requestedScopes: grant.requestedScopes });
}

/** RFC 6749 section 6, sent to `refreshUrl` where the vendor has one (COROS). A response without refresh_token keeps the old one. */
export function refreshTokenGrantRequest(context: VendorContext, previous: TokenSet): Promise<TokenEndpointResult> {
  if (!previous.refreshToken) {
    throw new ConnectorError("reauthorization_required", `${context.vendor.id}: no refresh token; the user must authorize again`, {
      vendor: context.vendor.id,
    });
  }
  const oauth = oauthOf(context.vendor.manifest);
  const parameters = new URLSearchParams({ grant_type: "refresh_token", refresh_token: previous.refreshToken });
  return tokenEndpointRequest(context, oauth.refreshUrl ?? oauth.tokenUrl, parameters, {
    requestedScopes: previous.scopes,
    previous,
  });
}

async function tokenEndpointRequest(
  context: VendorContext,
  url: string,
  parameters: URLSearchParams,
  parse: { requestedScopes: readonly string[]; previous?: TokenSet },
): Promise<TokenEndpointResult> {
  const { vendor, credentials, clock } = context;
  const oauth = oauthOf(vendor.manifest);
  const lookup = templateLookup(credentials);
  for (const [name, value] of Object.entries(oauth.tokenParams ?? {})) parameters.set(name, renderTemplate(value, lookup));
  const headers = new Headers({ accept: "application/json" });
  applyClientAuthentication(oauth.clientAuth, credentials, headers, parameters);

  // Never retried: an authorization code is single-use, and a repeated refresh with a rotating token can look like reuse.
  // One deadline for the answer and its body: a server that sends headers and then stalls must not hang us.
  // The deadline is enforced by racing a timer we hold, not only by aborting: an abort passed down through ky's and
  // undici's signal chains did not always arrive (a full test run saw a stalled exchange wait past 20 s).
  const deadline = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener("abort", () => reject(deadline.signal.reason), { once: true });
  });
  expired.catch(() => undefined);
  let response: Response;
  let body: unknown;
  try {
    timer = setTimeout(() => deadline.abort(new DOMException("the token endpoint did not answer in time", "TimeoutError")), context.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
    const ky = await Promise.race([loadKy(), expired]);
    const answer = ky.post(url, { body: parameters, headers, retry: 0, throwHttpErrors: false, timeout: false, signal: deadline.signal });
    answer.catch(() => undefined); // settles after the deadline won the race: nothing waits for it then
    response = await Promise.race([answer, expired]);
    const reading = readJson(response);
    reading.catch(() => undefined);
    body = await Promise.race([reading, expired]);
  } catch (error) {
    // Never the client's error itself: it holds the request, with the client secret and the code or refresh token.
    throw new ConnectorError("token_endpoint_error", `${vendor.id}: token endpoint unreachable (${describeCause(error)})`, {
      vendor: vendor.id,
      cause: safeCause(error),
    });
  } finally {
    clearTimeout(timer);
  }
  const errorCode = safeErrorCode(isRecord(body) ? body.error : undefined);

  if (!response.ok) throw tokenEndpointError(vendor.id, response.status, errorCode, undefined);
  if (body === undefined) {
    throw new ConnectorError("token_endpoint_error", `${vendor.id}: token endpoint answered ${response.status} without JSON`, {
      vendor: vendor.id,
      details: { status: response.status },
    });
  }
  if (oauth.tokenResponse?.success !== undefined) {
    const ok = await evaluateExpression(oauth.tokenResponse.success, body);
    if (ok !== true) {
      const vendorStatus = isRecord(body) && (typeof body.status === "number" || typeof body.status === "string") ? body.status : undefined;
      throw tokenEndpointError(vendor.id, response.status, errorCode, safeErrorCode(String(vendorStatus ?? "")));
    }
  }
  const tokenObject = oauth.tokenResponse?.path === undefined ? body : await evaluateExpression(oauth.tokenResponse.path, body);
  const tokens = isRecord(tokenObject)
    ? tokenSetFromResponse(tokenObject, {
        now: clock(),
        requestedScopes: parse.requestedScopes,
        ...(oauth.scopeSeparator ? { scopeSeparator: oauth.scopeSeparator } : {}),
        ...(parse.previous ? { previous: parse.previous } : {}),
      })
    : undefined;
  if (!tokens || !isRecord(tokenObject)) {
    throw new ConnectorError("token_endpoint_error", `${vendor.id}: token response has no access_token`, {
      vendor: vendor.id,
      details: { status: response.status },
    });
  }
  return { tokens, tokenObject, response: body };
}

function tokenEndpointError(vendor: string, status: number, errorCode: string | undefined, vendorStatus: string | undefined): ConnectorError {
  const code = errorCode === "invalid_grant" ? "invalid_grant" : "token_endpoint_error";
  const what = [errorCode, vendorStatus === undefined || vendorStatus === "" ? undefined : `status ${vendorStatus}`].filter(Boolean).join(", ");
  return new ConnectorError(code, `${vendor}: token endpoint answered ${status}${what ? ` (${what})` : ""}`, {
    vendor,
    details: { status, ...(errorCode ? { error: errorCode } : {}), ...(vendorStatus ? { vendorStatus } : {}) },
  });
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `name: code` of a failure, safe for a message. */
export function errorName(error: unknown): string {
  return describeCause(error);
}
