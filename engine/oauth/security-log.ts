import { createHash } from "node:crypto";

/** A security-relevant change the engine made on its own. Ids are hashed; never tokens, codes or secrets. */
export interface SecurityLogEntry {
  readonly kind: "security";
  readonly time: string;
  readonly event: "connection_relinked";
  readonly vendor: string;
  readonly userHash: string;
  readonly previousVendorUserHash?: string;
  readonly vendorUserHash: string;
  /** What happened to the previous grant at the vendor: revoked, unsupported, failed, or not_opened (unreadable tokens). */
  readonly previousGrant: string;
  readonly errorCode?: string;
}

export type SecurityLogger = (entry: SecurityLogEntry) => void;

export const securityLinesToStderr: SecurityLogger = (entry) => {
  process.stderr.write(JSON.stringify(entry) + "\n");
};

/** sha256 of an id, truncated: enough to correlate lines, not to recover the id (as the request log does). */
export function hashId(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex").slice(0, 16);
}
