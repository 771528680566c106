import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDirectory, ensurePrivateFile } from "../backends/embedded/private-files.js";
import { CONNECT_LINK_KEY_ENV } from "../oauth/connect-link.js";

export const CONNECT_LINK_KEY_FILE = "connect-link-keys";

/**
 * The connect-link keys of `serve` and of `synheart-connector connect-link`: SYNHEART_CONNECT_LINK_KEY when set
 * (comma-separated, the first signs), else `<data>/connect-link-keys` (one key a line), created with one random key
 * and mode 0600 on first use so that the local server and the CLI on this machine agree without configuration.
 */
export function localConnectLinkKeys(directory: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const fromEnv = env[CONNECT_LINK_KEY_ENV];
  if (fromEnv && fromEnv.trim() !== "") return fromEnv.split(",").map((key) => key.trim()).filter(Boolean);
  ensurePrivateDirectory(directory);
  const file = join(directory, CONNECT_LINK_KEY_FILE);
  if (!existsSync(file)) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${randomBytes(32).toString("base64url")}\n`);
      closeSync(fd);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error; // another process made it first
    }
  }
  ensurePrivateFile(file);
  return readFileSync(file, "utf8").split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}
