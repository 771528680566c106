import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { ConnectorError } from "../../errors.js";

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;
const enforced = process.platform !== "win32";

/**
 * The data directory holds health data, vendor user ids, PKCE verifiers and sealed tokens: owner only (0700), also
 * when it already exists with wider permissions (it is tightened; when that is not possible, refused with a clear
 * message rather than used).
 */
export function ensurePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY });
  if (enforced) tighten(directory, PRIVATE_DIRECTORY, "data directory");
}

/** Creates the file empty with mode 0600 when it is missing; an existing one is tightened to 0600. */
export function ensurePrivateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, "a", PRIVATE_FILE));
  if (enforced) tighten(file, PRIVATE_FILE, "data file");
}

/** Tightens the file to 0600 when it exists (SQLite's -wal and -shm files, made by SQLite itself). */
export function tightenIfPresent(file: string): void {
  if (enforced && existsSync(file)) tighten(file, PRIVATE_FILE, "data file");
}

function tighten(path: string, mode: number, what: string): void {
  if ((statSync(path).mode & 0o777 & ~mode) === 0) return;
  try {
    chmodSync(path, mode);
  } catch {
    throw new ConnectorError("backend_unavailable", `${what} ${path} is readable by group or others and cannot be changed: chmod ${mode.toString(8)} it, or use another location`);
  }
}
