import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalKeyEncryptor } from "../../engine/backends/embedded/local-key-encryptor.js";
import { loadLocalKeyring, rotateLocalKeyFile, TOKEN_KEYS_ENV } from "../../engine/backends/embedded/local-keyring.js";
import { isConnectorError } from "../../engine/errors.js";
import { makeTempDirectory, type TempDirectory } from "./temp-directory.js";

const context = { vendor: "polar", userId: "user-9" };
const plaintext = new TextEncoder().encode("refresh-token");
const base64Key = () => randomBytes(32).toString("base64");

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("loadLocalKeyring", () => {
  let directory: TempDirectory;
  let keyFile: string;
  beforeEach(() => {
    directory = makeTempDirectory();
    keyFile = join(directory.path, "nested", "token-keys.json");
  });
  afterEach(() => directory.remove());

  it("takes keys from SYNHEART_TOKEN_KEYS, the first one current", async () => {
    const env = { [TOKEN_KEYS_ENV]: `new:${base64Key()}, old:${base64Key()}` };
    const keyring = loadLocalKeyring({ env, keyFile });
    expect(keyring.currentKeyId).toBe("new");
    expect([...keyring.keys.keys()]).toEqual(["new", "old"]);
    expect(() => statSync(keyFile)).toThrow(); // no key file when the environment has keys
  });

  it("opens records sealed with an older key listed in the environment", async () => {
    const oldKey = base64Key();
    const before = new LocalKeyEncryptor(loadLocalKeyring({ env: { [TOKEN_KEYS_ENV]: `old:${oldKey}` }, keyFile }));
    const sealed = await before.seal(plaintext, context);
    const after = new LocalKeyEncryptor(loadLocalKeyring({ env: { [TOKEN_KEYS_ENV]: `new:${base64Key()},old:${oldKey}` }, keyFile }));
    expect((await after.seal(plaintext, context)).keyId).toBe("new");
    expect(await after.open(sealed, context)).toEqual(plaintext);
  });

  it("rejects malformed environment keys without echoing them", () => {
    const shortKey = randomBytes(16).toString("base64");
    for (const value of [`k1:${shortKey}`, "no-separator", `:${base64Key()}`, `a:${base64Key()},a:${base64Key()}`]) {
      const error = thrown(() => loadLocalKeyring({ env: { [TOKEN_KEYS_ENV]: value }, keyFile }));
      expect(isConnectorError(error, "missing_setting")).toBe(true);
      expect(String((error as Error).message)).not.toContain(shortKey);
    }
  });

  it("creates a key file with mode 0600 on first run, even with a permissive umask", () => {
    const previous = process.umask(0o000);
    try {
      loadLocalKeyring({ env: {}, keyFile });
    } finally {
      process.umask(previous);
    }
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(directory.path, "nested")).mode & 0o077).toBe(0);
  });

  it("reuses the key file on later runs", async () => {
    const first = new LocalKeyEncryptor(loadLocalKeyring({ env: {}, keyFile }));
    const sealed = await first.seal(plaintext, context);
    const second = new LocalKeyEncryptor(loadLocalKeyring({ env: {}, keyFile }));
    expect(await second.open(sealed, context)).toEqual(plaintext);
  });

  it("refuses a key file others can read", () => {
    loadLocalKeyring({ env: {}, keyFile });
    chmodSync(keyFile, 0o644);
    expect(isConnectorError(thrown(() => loadLocalKeyring({ env: {}, keyFile })), "missing_setting")).toBe(true);
  });

  it("refuses a corrupt key file without showing its contents", () => {
    loadLocalKeyring({ env: {}, keyFile });
    const contents = readFileSync(keyFile, "utf8");
    writeFileSync(keyFile, contents.slice(0, contents.length / 2), { mode: 0o600 });
    const error = thrown(() => loadLocalKeyring({ env: {}, keyFile }));
    expect(isConnectorError(error, "missing_setting")).toBe(true);
    expect((error as Error).message).not.toContain(contents.slice(20, 60));
  });

  it("rotates the key file: a new current key, old records still open, mode kept", async () => {
    const before = new LocalKeyEncryptor(loadLocalKeyring({ env: {}, keyFile }));
    const sealed = await before.seal(plaintext, context);
    const newKeyId = rotateLocalKeyFile(keyFile);
    const keyring = loadLocalKeyring({ env: {}, keyFile });
    expect(keyring.currentKeyId).toBe(newKeyId);
    expect(keyring.keys.size).toBe(2);
    expect(await new LocalKeyEncryptor(keyring).open(sealed, context)).toEqual(plaintext);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });
});
