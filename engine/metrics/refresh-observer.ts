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

  const observedLeases = overriding(leases, {
    async tryAcquire(key: string, ttlMs: number) {
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
  });

  const observedStore = overriding(tokenStore, {
    async put(connection: Parameters<TokenStore["put"]>[0], expectedVersion: number | null) {
      const stored = await tokenStore.put(connection, expectedVersion);
      const attempt = held.get(`${REFRESH_LEASE_PREFIX}${connection.vendor}:${connection.userId}`);
      if (attempt) {
        attempt.written = true;
        instruments().refreshes.add(1, { vendor: connection.vendor, outcome: connection.status === "active" ? "refreshed" : connection.status });
      }
      return stored;
    },
  });
  return { tokenStore: observedStore, leases: observedLeases };
}

/** The port with some methods replaced; every other member (present or added to the port later) is the original's. */
function overriding<T extends object>(port: T, replaced: Partial<T>): T {
  return new Proxy(port, {
    get(target, property) {
      if (Object.hasOwn(replaced, property)) return (replaced as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
