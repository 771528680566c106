import type { VendorCredentials } from "../manifest/credentials.js";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/**
 * application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B), as RFC 6749 section 2.3.1
 * requires for client_secret_basic before the id and secret are joined with ':' and base64-encoded.
 * A secret such as `a:b%c+d` must reach the server as `a%3Ab%25c%2Bd`.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/** The Authorization header value for client_secret_basic. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  return `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`;
}

/** Adds client authentication to a token, revocation or introspection request. */
export function applyClientAuthentication(
  method: ClientAuthMethod,
  credentials: Pick<VendorCredentials, "clientId" | "clientSecret">,
  headers: Headers,
  body: URLSearchParams,
): void {
  if (method === "client_secret_basic") {
    headers.set("authorization", clientSecretBasic(credentials.clientId, credentials.clientSecret));
    body.delete("client_id");
    body.delete("client_secret");
  } else {
    body.set("client_id", credentials.clientId);
    body.set("client_secret", credentials.clientSecret);
  }
}
