import type { Clock } from "../clock.js";
import { ConnectorError } from "../errors.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { Backends } from "../ports/backends.js";
import type { StoredConnection } from "../ports/token-store.js";

export interface LinkedUser {
  /** Our user id. */
  readonly userId: string;
  /** The vendor's reference for the user, as its deliveries name it (Terra: user.user_id). */
  readonly vendorUserId: string;
}

/** What a linked connection seals in place of tokens: there are none, the vendor holds the user's authorization. */
const NO_TOKENS = new TextEncoder().encode(JSON.stringify({ linked: true }));

/**
 * For vendors without OAuth (aggregators whose users connect through the vendor's own widget): records that the
 * vendor's user reference belongs to our user, so that deliveries naming it reach that user. Stored as a connection
 * in the backends' one token store, with nothing but a marker sealed, so the job processor finds it as it finds an
 * OAuth connection and delivers pushed events without a token. Linking again replaces the reference.
 */
export async function linkUser(backends: Pick<Backends, "tokenStore" | "encryptor">, vendor: VendorDefinition, link: LinkedUser, clock: Clock): Promise<StoredConnection> {
  if (vendor.manifest.oauth) {
    throw new ConnectorError("not_supported", `${vendor.id} connects users through OAuth: use authorizationUrl and exchangeCode`, { vendor: vendor.id });
  }
  for (const [name, value] of [["userId", link.userId], ["vendorUserId", link.vendorUserId]] as const) {
    if (typeof value !== "string" || value.length === 0 || value.length > 256) {
      throw new ConnectorError("not_supported", `${name} must be a non-empty string of at most 256 characters`, { vendor: vendor.id });
    }
  }
  const sealedTokens = await backends.encryptor.seal(NO_TOKENS, { vendor: vendor.id, userId: link.userId });
  for (;;) {
    const existing = await backends.tokenStore.get(vendor.id, link.userId);
    try {
      return await backends.tokenStore.put(
        { vendor: vendor.id, userId: link.userId, vendorUserId: link.vendorUserId, status: "active", sealedTokens, updatedAt: clock() },
        existing ? existing.version : null,
      );
    } catch (error) {
      if (!(error instanceof ConnectorError && error.code === "version_conflict")) throw error;
      // another writer linked the same user at the same moment: read again and replace
    }
  }
}

/** Removes the link; returns whether there was one. Deliveries naming the vendor's reference are then skipped (not_connected). */
export function unlinkUser(backends: Pick<Backends, "tokenStore">, vendor: VendorDefinition, userId: string): Promise<boolean> {
  return backends.tokenStore.delete(vendor.id, userId);
}
