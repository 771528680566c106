export { calculatePKCECodeChallenge, generateRandomCodeVerifier } from "./pkce.js";
export { generateRandomState, stateExpiryHint } from "./state.js";
export { applyClientAuthentication, clientSecretBasic, formUrlEncode } from "./client-auth.js";
export type { ClientAuthMethod } from "./client-auth.js";
export type { VendorContext } from "./context.js";
export { authorizationUrl, DEFAULT_PENDING_AUTHORIZATION_TTL_SECONDS } from "./authorization-url.js";
export type { AuthorizationRequest, AuthorizationUrlParameters } from "./authorization-url.js";
export { authorizationCodeGrantRequest, refreshTokenGrantRequest } from "./token-endpoint.js";
export type { AuthorizationCodeGrant, TokenEndpointResult } from "./token-endpoint.js";
export { decodeTokenSet, encodeTokenSet, expiresWithin, parseExpiresIn, splitScope, tokenSetFromResponse } from "./token-set.js";
export type { TokenSet, TokenSetParseOptions } from "./token-set.js";
export { jwtClaims, resolveVendorUserId } from "./vendor-user-id.js";
export { revokeAtVendor } from "./revoke.js";
export type { VendorRevocation } from "./revoke.js";
export { SingleFlight } from "./single-flight.js";
export { createTokenService, TokenService } from "./connections.js";
export type {
  ConnectionState,
  ExchangeCodeParameters,
  ExchangeCodeResult,
  RefreshOptions,
  RevokeResult,
  TokenServiceOptions,
} from "./connections.js";
export { browserBindingHash, createBrowserBinding, matchesBrowserBinding } from "./browser-binding.js";
export { CONNECT_LINK_KEY_ENV, connectLinkKeysFromEnv, mintConnectLink, parseConnectLinkKeys, verifyConnectLink } from "./connect-link.js";
export type { ConnectLinkClaims, ConnectLinkKeys } from "./connect-link.js";
export { createConnectLink } from "./connect-link-service.js";
export type { ConnectLink, ConnectLinkRequest } from "./connect-link-service.js";
export { ALLOW_INSECURE_HTTP_ENV, assertSecureEndpoints, insecureHttpAllowed } from "./transport-security.js";
export type { SecurityLogEntry, SecurityLogger } from "./security-log.js";
