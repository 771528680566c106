import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { createJobProcessor, processAvailableJobs } from "../../engine/queue/index.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, SYNC_CREDENTIALS, SYNC_VENDOR, syncTestVendor } from "./support/sync-vendor.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const VISIBILITY_TIMEOUT_MS = 1_000;

async function bundleWorker(outfile: string): Promise<void> {
  const betterSqlite = fileURLToPath(import.meta.resolve("better-sqlite3"));
  await build({
    entryPoints: [join(here, "fixtures", "sync-worker-entry.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [{ name: "external-better-sqlite3", setup: (b) => void b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite, external: true })) }],
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("sync worker killed mid-backfill", () => {
  let buildDirectory: TempDirectory;
  let directory: TempDirectory;
  let api: RecordsApi;
  let bundle: string;

  beforeAll(async () => {
    buildDirectory = makeTempDirectory("synheart-bundle-");
    directory = makeTempDirectory("synheart-sync-crash-");
    bundle = join(buildDirectory.path, "sync-worker.mjs");
    api = await startRecordsApi();
    await bundleWorker(bundle);
  });
  afterAll(async () => {
    await api.close();
    buildDirectory?.remove();
    directory?.remove();
  });

  it("a second worker finishes the backfill: no record lost, none delivered twice", async () => {
    const seeded = seedRecords(api, "kim", { now: Date.now() - 3_600_000, days: 89, stepMinutes: 180 });
    const deliveriesFile = join(directory.path, "deliveries.txt");
    writeFileSync(deliveriesFile, "");
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    const engine = createConnectorEngine({ vendors: [syncTestVendor(api.url, [STREAMS.token])], backends, credentials: { [SYNC_VENDOR]: SYNC_CREDENTIALS } });
    await storeSealedConnection(backends, { vendor: SYNC_VENDOR, userId: "kim", vendorUserId: "v-kim" });
    await engine.sync.connected(SYNC_VENDOR, "kim");

    // The 7th request (a page in the middle of the third week) never gets an answer while the worker lives.
    let seen = 0;
    api.holdWhen(({ path }) => path === "/v1/token" && ++seen === 7);
    const child = spawn(process.execPath, [join(here, "fixtures", "sync-worker.mjs"), bundle, directory.path, api.url, deliveriesFile, String(VISIBILITY_TIMEOUT_MS)], {
      timeout: 30_000,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit");
    for (let waited = 0; api.held === 0; waited += 20) {
      if (waited > 20_000 || child.exitCode !== null) throw new Error(`the worker never reached the held page: ${stderr}`);
      await pause(20);
    }
    child.kill("SIGKILL");
    await exited;
    api.release();
    const beforeCrash = readFileSync(deliveriesFile, "utf8").split("\n").filter(Boolean);
    expect(beforeCrash.length).toBeGreaterThan(0);
    expect(beforeCrash.length).toBeLessThan(seeded.length);

    // Restarted: the windows the dead worker held reappear after their visibility timeout.
    const processor = createJobProcessor(engine, (delivery) => {
      appendFileSync(deliveriesFile, `${delivery.source} ${delivery.stream} ${delivery.event.resourceId ?? delivery.event.type}\n`);
    });
    const giveUpAt = Date.now() + 30_000;
    while (!readFileSync(deliveriesFile, "utf8").includes("sync.completed")) {
      if (Date.now() > giveUpAt) throw new Error("the backfill did not complete after the restart");
      const result = await processAvailableJobs(backends.jobQueue, processor);
      expect(result.failed).toBe(0);
      if (result.reports.length === 0) await pause(100);
    }
    const lines = readFileSync(deliveriesFile, "utf8").split("\n").filter(Boolean);
    const recordIds = lines.filter((line) => !line.endsWith("sync.completed")).map((line) => line.split(" ")[2]);
    expect(recordIds.length).toBe(seeded.length);
    expect(new Set(recordIds)).toEqual(new Set(seeded.map((record) => record.id)));
    expect(lines.filter((line) => line.endsWith("sync.completed"))).toEqual(["backfill token sync.completed"]);
    await backends.close();
  }, 90_000); // a child process, a visibility timeout and a 90-day backfill: allow for a loaded CI machine
});
