import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/index.js";
import type { EventDelivery } from "../../engine/queue/index.js";
import { eventually } from "../e2e/support.js";
import { approveAtSandbox, Browser, startSandboxServer, temporaryDirectory } from "./oauth-support.js";

// Issue 10 §5: the database, its WAL/SHM files and deliveries.jsonl hold health data, vendor user ids and PKCE
// verifiers; they were created 0644 in a directory anyone could list.
const modeOf = (path: string) => statSync(path).mode & 0o777;
const directories: { remove(): void }[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) directory.remove();
});

describe.skipIf(process.platform === "win32")("embedded data files", () => {
  it("are created owner-only by serve: directory 0700; database, WAL, SHM, deliveries and keys 0600", async () => {
    const parent = temporaryDirectory();
    directories.push(parent);
    const directory = join(parent.path, "data");
    const previous = process.umask(0o022);
    const deliveries: EventDelivery[] = [];
    // No SYNHEART_CONNECT_LINK_KEY: serve makes its own key file in the data directory.
    const server = await startSandboxServer(directory, { env: {}, worker: true, workerWaitMs: 50, onDelivery: (delivery) => deliveries.push(delivery) });
    try {
      const browser = new Browser();
      const started = await browser.get(server.connectUrl("sandbox", "user-1"));
      expect((await browser.get(await approveAtSandbox(browser, started.headers.get("location")!))).status).toBe(200);
      const sent = await server.sandbox!.sendWebhook({ type: "sleep.updated" });
      expect(sent.status).toBe(202);
      await eventually(() => deliveries.find((delivery) => delivery.event.resourceId === sent.resourceId), 10_000, "the delivery");

      expect(modeOf(directory)).toBe(0o700);
      for (const file of ["connector.db", "connector.db-wal", "connector.db-shm", "deliveries.jsonl", "token-keys.json", "connect-link-keys"]) {
        expect(existsSync(join(directory, file)), file).toBe(true);
        expect(modeOf(join(directory, file)).toString(8), file).toBe("600");
      }
    } finally {
      await server.close();
      process.umask(previous);
    }
  });

  it("tightens an existing data directory and files that were left readable", async () => {
    const parent = temporaryDirectory();
    directories.push(parent);
    const directory = join(parent.path, "old-data");
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o755);
    for (const file of ["connector.db", "deliveries.jsonl"]) {
      writeFileSync(join(directory, file), "");
      chmodSync(join(directory, file), 0o644);
    }
    const server = await startSandboxServer(directory);
    await server.close();
    expect(modeOf(directory)).toBe(0o700);
    expect(modeOf(join(directory, "connector.db"))).toBe(0o600);
    expect(modeOf(join(directory, "deliveries.jsonl"))).toBe(0o600);
  });

  it("applies to createEmbeddedBackends used on its own", async () => {
    const parent = temporaryDirectory();
    directories.push(parent);
    const directory = join(parent.path, "embedded");
    mkdirSync(directory, { mode: 0o775 });
    chmodSync(directory, 0o775);
    const backends = createEmbeddedBackends({ directory, env: {} });
    await backends.pendingAuthorizations.save({ state: "s", vendor: "v", userId: "u", redirectUri: "https://x.example/cb", codeVerifier: "verifier", scopes: [], createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    await backends.close();
    expect(modeOf(directory)).toBe(0o700);
    expect(modeOf(join(directory, "connector.db"))).toBe(0o600);
  });
});
