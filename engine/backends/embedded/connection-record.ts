import { ConnectorError } from "../../errors.js";
import type { StoredConnection } from "../../ports/token-store.js";

export type NewConnection = Omit<StoredConnection, "version">;

export const DEFAULT_PAGE_LIMIT = 100;

/** The stored shape: only known fields, optional ones left out when absent. */
export function toStoredConnection(connection: NewConnection, version: number): StoredConnection {
  return {
    vendor: connection.vendor,
    userId: connection.userId,
    version,
    ...(connection.vendorUserId === undefined ? {} : { vendorUserId: connection.vendorUserId }),
    status: connection.status,
    ...(connection.accessTokenExpiresAt === undefined ? {} : { accessTokenExpiresAt: connection.accessTokenExpiresAt }),
    sealedTokens: { ...connection.sealedTokens },
    updatedAt: connection.updatedAt,
  };
}

export function versionConflict(connection: Pick<StoredConnection, "vendor" | "userId">, expectedVersion: number | null): ConnectorError {
  const expected = expectedVersion === null ? "no record" : `version ${expectedVersion}`;
  return new ConnectorError("version_conflict", `connection changed concurrently (expected ${expected})`, {
    vendor: connection.vendor,
    details: { expectedVersion },
  });
}

/** Cursors are opaque to callers: the last user id of the previous page. */
export function encodeCursor(lastUserId: string): string {
  return Buffer.from(JSON.stringify({ after: lastUserId }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { after?: unknown }).after === "string") {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through
  }
  throw new ConnectorError("backend_unavailable", "invalid pagination cursor");
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  return Math.max(1, Math.min(1_000, Math.floor(limit)));
}
