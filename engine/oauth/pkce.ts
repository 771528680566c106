import { createHash, randomBytes } from "node:crypto";

/** RFC 7636 section 4.1: 32 random octets, base64url: 43 characters from the unreserved set. */
export function generateRandomCodeVerifier(): string {
  return randomBytes(32).toString("base64url");
}

/** RFC 7636 section 4.2, method S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function calculatePKCECodeChallenge(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier, "ascii").digest("base64url");
}
