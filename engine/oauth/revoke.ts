import { loadKy } from "../api/lazy-ky.js";
import { oauthOf } from "../manifest/vendor-definition.js";
import type { KyInstance } from "ky";
import type { ConnectorErrorCode } from "../errors.js";
import { renderTemplate, type TemplateLookup } from "../manifest/template.js";
import { applyClientAuthentication } from "./client-auth.js";
import { DEFAULT_HTTP_TIMEOUT_MS, type VendorContext } from "./context.js";
import { errorName } from "./token-endpoint.js";
import type { TokenSet } from "./token-set.js";

export type VendorRevocation =
  /** The vendor confirmed. */
  | { readonly outcome: "revoked"; readonly status: number }
  /** The manifest declares no revocation (the tokens are only deleted here). */
  | { readonly outcome: "unsupported" }
  | { readonly outcome: "failed"; readonly code: ConnectorErrorCode; readonly status?: number; readonly reason: string };

/**
 * Revokes at the vendor as the manifest says: RFC 7009 (form `token` + `token_type_hint` with client authentication)
 * to `url`, or an API call to `path` under api.baseUrl with the access token as bearer or `?access_token=`.
 * Never throws: the caller deletes the local tokens whatever happens here.
 */
export async function revokeAtVendor(
  context: VendorContext,
  tokens: TokenSet,
  options: { lookup: TemplateLookup; api: () => KyInstance },
): Promise<VendorRevocation> {
  const { vendor, credentials } = context;
  const revoke = oauthOf(vendor.manifest).revoke;
  if (!revoke) return { outcome: "unsupported" };
  const send = revoke.send ?? "rfc7009";
  const accepted = (status: number) => (revoke.acceptStatus ? revoke.acceptStatus.includes(status) : status >= 200 && status < 300);
  try {
    const ky = await loadKy();
    let response: Response;
    if (send === "rfc7009") {
      const which = revoke.token ?? "refresh_token";
      const token = which === "refresh_token" ? (tokens.refreshToken ?? tokens.accessToken) : tokens.accessToken;
      const hint = which === "refresh_token" && tokens.refreshToken ? "refresh_token" : "access_token";
      const body = new URLSearchParams({ token, token_type_hint: hint });
      const headers = new Headers({ accept: "application/json" });
      applyClientAuthentication(oauthOf(vendor.manifest).clientAuth, credentials, headers, body);
      const url = revoke.url ?? new URL(renderTemplate(revoke.path ?? "", options.lookup).replace(/^\/+/, ""), withSlash(vendor.manifest.api.baseUrl)).toString();
      response = await ky(url, {
        method: revoke.method,
        ...(revoke.method === "GET" ? { searchParams: body } : { body }),
        headers,
        retry: 0,
        throwHttpErrors: false,
        timeout: context.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      });
    } else {
      const searchParams = send === "query" ? { access_token: tokens.accessToken } : undefined;
      if (revoke.url) {
        response = await ky(revoke.url, {
          method: revoke.method,
          ...(searchParams ? { searchParams } : { headers: { authorization: `Bearer ${tokens.accessToken}` } }),
          retry: 0,
          throwHttpErrors: false,
          timeout: context.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        });
      } else {
        // Through the API client: rate limits and static headers apply; it sends the bearer token itself.
        const path = renderTemplate(revoke.path ?? "", options.lookup).replace(/^\/+/, "");
        response = await options.api()(path, { method: revoke.method, throwHttpErrors: false, ...(searchParams ? { searchParams } : {}) });
      }
    }
    await response.body?.cancel();
    if (accepted(response.status)) return { outcome: "revoked", status: response.status };
    return {
      outcome: "failed",
      code: "vendor_api_error",
      status: response.status,
      reason: `${vendor.id}: revocation answered ${response.status}`,
    };
  } catch (error) {
    const code: ConnectorErrorCode =
      error && typeof error === "object" && "code" in error && typeof error.code === "string" ? (error.code as ConnectorErrorCode) : "vendor_api_error";
    return { outcome: "failed", code, reason: `${vendor.id}: revocation failed (${errorName(error)})` };
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
