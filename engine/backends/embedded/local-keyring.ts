import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConnectorError } from "../../errors.js";
import { createKeyring, KEY_BYTES, type LocalKey, type LocalKeyring } from "./local-key-encryptor.js";

export const TOKEN_KEYS_ENV = "SYNHEART_TOKEN_KEYS";
export const DEFAULT_KEY_FILE = join(".synheart", "token-keys.json");

interface KeyFileContents {
  readonly version: 1;
  /** The first key is current. */
  readonly keys: readonly { readonly id: string; readonly key: string; readonly createdAt: string }[];
}

export interface LoadLocalKeyringOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly keyFile?: string;
  readonly now?: () => number;
}

/**
 * Keys from `SYNHEART_TOKEN_KEYS` (comma-separated `id:base64key`, the first is current), or else from
 * the key file, which is created with one random key (mode 0600) when it does not exist.
 */
export function loadLocalKeyring(options: LoadLocalKeyringOptions = {}): LocalKeyring {
  const fromEnv = (options.env ?? process.env)[TOKEN_KEYS_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return createKeyring(parseKeyList(fromEnv));
  const keyFile = options.keyFile ?? DEFAULT_KEY_FILE;
  createKeyFileIfMissing(keyFile, () => newKeyEntry(options.now?.() ?? Date.now()));
  return createKeyring(readKeyFile(keyFile));
}

/** Adds a new current key to the key file; older keys stay to open existing records. Returns the new key id. */
export function rotateLocalKeyFile(keyFile: string = DEFAULT_KEY_FILE, now: number = Date.now()): string {
  const existing = JSON.parse(readFileSync(keyFile, "utf8")) as KeyFileContents;
  const entry = newKeyEntry(now);
  writeKeyFileAtomically(keyFile, { version: 1, keys: [entry, ...existing.keys] }, { replace: true });
  return entry.id;
}

export function parseKeyList(list: string): LocalKey[] {
  return list
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item, index) => {
      const separator = item.indexOf(":");
      if (separator <= 0) throw new ConnectorError("missing_setting", `${TOKEN_KEYS_ENV} entry ${index + 1} is not "id:base64key"`);
      return { id: item.slice(0, separator), key: decodeKey(item.slice(separator + 1), `${TOKEN_KEYS_ENV} entry ${index + 1}`) };
    });
}

function decodeKey(base64: string, where: string): Uint8Array {
  const key = Buffer.from(base64, "base64");
  if (key.length !== KEY_BYTES) throw new ConnectorError("missing_setting", `${where} must be a base64 ${KEY_BYTES}-byte key`);
  return key;
}

function newKeyEntry(now: number): KeyFileContents["keys"][number] {
  const createdAt = new Date(now).toISOString();
  return { id: `local-${createdAt.slice(0, 10)}-${randomUUID().slice(0, 8)}`, key: randomBytes(KEY_BYTES).toString("base64"), createdAt };
}

function readKeyFile(keyFile: string): LocalKey[] {
  if (process.platform !== "win32" && (statSync(keyFile).mode & 0o077) !== 0) {
    throw new ConnectorError("missing_setting", `token key file ${keyFile} must not be readable by group or others (chmod 600)`);
  }
  let contents: KeyFileContents;
  try {
    contents = JSON.parse(readFileSync(keyFile, "utf8")) as KeyFileContents;
  } catch {
    throw new ConnectorError("missing_setting", `token key file ${keyFile} is not valid JSON`);
  }
  if (contents?.version !== 1 || !Array.isArray(contents.keys)) {
    throw new ConnectorError("missing_setting", `token key file ${keyFile} has an unknown format`);
  }
  return contents.keys.map((entry, index) => ({ id: String(entry.id), key: decodeKey(String(entry.key), `${keyFile} key ${index + 1}`) }));
}

function createKeyFileIfMissing(keyFile: string, makeEntry: () => KeyFileContents["keys"][number]): void {
  try {
    statSync(keyFile);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  writeKeyFileAtomically(keyFile, { version: 1, keys: [makeEntry()] }, { replace: false });
}

/**
 * Writes a private temp file, then links (create-only) or renames (replace) it into place, so no reader ever
 * sees a half-written file and two processes creating the file at once end up agreeing on one.
 */
function writeKeyFileAtomically(keyFile: string, contents: KeyFileContents, options: { replace: boolean }): void {
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const temp = `${keyFile}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(contents, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600); // the umask only narrows, but be explicit in case of odd filesystems
  try {
    if (options.replace) {
      renameSync(temp, keyFile);
    } else {
      try {
        linkSync(temp, keyFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed into place
    }
  }
}
