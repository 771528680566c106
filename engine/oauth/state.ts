import { randomBytes } from "node:crypto";

/**
 * An OAuth `state` value: 256 random bits, then the expiry as a hint so that an expired state can be told apart
 * from an unknown one once the pending record is gone. The hint is never trusted for anything but the error code:
 * the pending-authorization store is what makes a state valid.
 */
export function generateRandomState(expiresAt: number): string {
  return `${randomBytes(32).toString("base64url")}.${expiresAt.toString(36)}`;
}

/** The expiry hint of a state made by generateRandomState, or undefined for any other string. */
export function stateExpiryHint(state: string): number | undefined {
  const match = /^[A-Za-z0-9_-]{43}\.([0-9a-z]{1,12})$/.exec(state);
  if (!match?.[1]) return undefined;
  const value = Number.parseInt(match[1], 36);
  return Number.isFinite(value) ? value : undefined;
}
