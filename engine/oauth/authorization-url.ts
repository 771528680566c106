import { templateLookup } from "../manifest/credentials.js";
import { oauthOf } from "../manifest/vendor-definition.js";
import { renderTemplate } from "../manifest/template.js";
import type { PendingAuthorizationStore } from "../ports/pending-authorization-store.js";
import { browserBindingHash } from "./browser-binding.js";
import type { VendorContext } from "./context.js";
import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from "./pkce.js";
import { generateRandomState } from "./state.js";

export const DEFAULT_PENDING_AUTHORIZATION_TTL_SECONDS = 600;

export interface AuthorizationUrlParameters {
  /** Our user id; the pending authorization is bound to it. */
  readonly userId: string;
  readonly redirectUri: string;
  /** Overrides the manifest's scopes. */
  readonly scopes?: readonly string[];
  /**
   * A random nonce the starting browser keeps (createBrowserBinding; the fetch handler sets it as a cookie). Only its
   * SHA-256 is stored; exchangeCode then requires the same nonce. Omit it only where the flow is bound otherwise.
   */
  readonly browserBinding?: string;
}

export interface AuthorizationRequest {
  /** Where to send the user's browser. */
  readonly url: string;
  readonly state: string;
  readonly expiresAt: number;
}

/**
 * Builds the authorization request URL (RFC 6749 section 4.1.1, RFC 7636 S256 where the manifest asks) and saves
 * the single-use pending authorization that `exchangeCode` consumes.
 */
export async function authorizationUrl(
  context: VendorContext,
  pendingAuthorizations: PendingAuthorizationStore,
  parameters: AuthorizationUrlParameters,
): Promise<AuthorizationRequest> {
  const { vendor, credentials, clock } = context;
  const oauth = oauthOf(vendor.manifest);
  const createdAt = clock();
  const expiresAt = createdAt + (oauth.pendingAuthorizationTtlSeconds ?? DEFAULT_PENDING_AUTHORIZATION_TTL_SECONDS) * 1000;
  const state = generateRandomState(expiresAt);
  const scopes = [...(parameters.scopes ?? oauth.scopes ?? [])];
  const codeVerifier = oauth.pkce ? generateRandomCodeVerifier() : undefined;

  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", credentials.clientId);
  url.searchParams.set("redirect_uri", parameters.redirectUri);
  if (scopes.length > 0) url.searchParams.set("scope", scopes.join(oauth.scopeSeparator ?? " "));
  url.searchParams.set("state", state);
  if (codeVerifier) {
    url.searchParams.set("code_challenge", calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
  }
  const lookup = templateLookup(credentials, { userId: parameters.userId, redirectUri: parameters.redirectUri });
  for (const [name, value] of Object.entries(oauth.authorizeParams ?? {})) {
    url.searchParams.set(name, renderTemplate(value, lookup));
  }

  await pendingAuthorizations.save({
    state,
    vendor: vendor.id,
    userId: parameters.userId,
    redirectUri: parameters.redirectUri,
    ...(codeVerifier ? { codeVerifier } : {}),
    ...(parameters.browserBinding ? { browserBindingHash: browserBindingHash(parameters.browserBinding) } : {}),
    scopes,
    createdAt,
    expiresAt,
  });
  return { url: url.toString(), state, expiresAt };
}
