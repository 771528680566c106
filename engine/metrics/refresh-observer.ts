import type { Lease, LeaseManager } from "../ports/lease.js";
import type { TokenStore } from "../ports/token-store.js";
import { instruments } from "./instruments.js";

const REFRESH_LEASE_PREFIX = "oauth-refresh:";

/**
 * Counts token refreshes (synheart.token.refreshes) from outside the OAuth code, by what a refresh does to the ports:
 * it holds the lease `oauth-refresh:<vendor>:<user>`, and while holding it writes the connection back as `active`
 * (outcome `refreshed`) or marks it `reauthorization_required`; a lease released with no write is `no_refresh`
 * (another worker had refreshed already, or the token request failed).
 */
export function observeRefreshes(ports: { tokenStore: TokenStore; leases: LeaseManager }): { tokenStore: TokenStore; leases: LeaseManager } {
  // Held refresh leases of this process, by key: whether the connection was written while held.
  const held = new Map<string, { vendor: string; written: boolean }>();
  const { tokenStore, leases } = ports;

  const observedLeases: LeaseManager = {
    async tryAcquire(key, ttlMs) {
      const lease = await leases.tryAcquire(key, ttlMs);
      if (lease && key.startsWith(REFRESH_LEASE_PREFIX)) held.set(key, { vendor: key.slice(REFRESH_LEASE_PREFIX.length).split(":")[0] ?? "unknown", written: false });
      return lease;
    },
    async release(lease: Lease) {
      const attempt = held.get(lease.key);
      if (attempt) {
        held.delete(lease.key);
        if (!attempt.written) instruments().refreshes.add(1, { vendor: attempt.vendor, outcome: "no_refresh" });
      }
      return leases.release(lease);
    },
  };

  const observedStore: TokenStore = {
    get: (vendor, userId) => tokenStore.get(vendor, userId),
    async put(connection, expectedVersion) {
      const stored = await tokenStore.put(connection, expectedVersion);
      const attempt = held.get(`${REFRESH_LEASE_PREFIX}${connection.vendor}:${connection.userId}`);
      if (attempt) {
        attempt.written = true;
        instruments().refreshes.add(1, { vendor: connection.vendor, outcome: connection.status === "active" ? "refreshed" : connection.status });
      }
      return stored;
    },
    delete: (vendor, userId) => tokenStore.delete(vendor, userId),
    findByVendorUserId: (vendor, vendorUserId) => tokenStore.findByVendorUserId(vendor, vendorUserId),
    listByVendor: (vendor, options) => tokenStore.listByVendor(vendor, options),
  };
  return { tokenStore: observedStore, leases: observedLeases };
}
