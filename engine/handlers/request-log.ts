import { createHash } from "node:crypto";

/** One line per request. Never headers, bodies, tokens or raw user ids. */
export interface RequestLogEntry {
  readonly kind: "request";
  readonly time: string;
  readonly route: string;
  readonly method: string;
  readonly vendor?: string;
  readonly eventTypes?: readonly string[];
  /** sha256 of the user id, truncated: enough to correlate lines, not to recover the id. */
  readonly userHash?: string;
  readonly outcome: string;
  readonly status: number;
  readonly errorCode?: string;
  readonly eventCount?: number;
  /** For a configuration problem of the embedding app: what to change. */
  readonly hint?: string;
  readonly latencyMs: number;
}

export type RequestLogger = (entry: RequestLogEntry) => void;

export const jsonLinesToStdout: RequestLogger = (entry) => {
  process.stdout.write(JSON.stringify(entry) + "\n");
};

export const silentLogger: RequestLogger = () => {};

export function hashUserId(userId: string): string {
  return createHash("sha256").update(userId, "utf8").digest("hex").slice(0, 16);
}
