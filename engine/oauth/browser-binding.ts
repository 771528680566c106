import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ConnectorError } from "../errors.js";

/**
 * Binds an authorization to the browser (or app) that started it: the starter keeps a random nonce (the fetch
 * handler puts it in an HttpOnly cookie), the pending authorization keeps only its SHA-256, and the callback must
 * present the nonce again. Without it, anyone could hand their own vendor redirect to a victim and have the victim's
 * vendor account linked to their user id (login CSRF on the callback).
 */
export function createBrowserBinding(): string {
  return randomBytes(32).toString("base64url");
}

export function browserBindingHash(binding: string): string {
  return createHash("sha256").update(binding, "utf8").digest("base64url");
}

/** Compares in constant time (both sides are hashed to one length first). */
export function matchesBrowserBinding(presented: string | undefined, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, "utf8");
  const actual = Buffer.from(browserBindingHash(presented ?? ""), "utf8");
  return presented !== undefined && presented !== "" && actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function browserBindingMismatch(vendor: string, presented: string | undefined): ConnectorError {
  const reason = presented ? "does not match" : "is missing";
  return new ConnectorError("browser_binding_mismatch", `${vendor}: the browser finishing the authorization is not the one that started it (binding ${reason})`, {
    vendor,
    details: { reason },
  });
}
