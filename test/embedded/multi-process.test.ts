import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { EncryptionContext, SealedEnvelope } from "../../engine/ports/encryptor.js";
import { bundleForChild } from "../support/bundle-for-child.js";
import { makeTempDirectory, type TempDirectory } from "./temp-directory.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const workerScript = join(here, "fixtures", "competing-worker.mjs");
const PROCESSES = 3;

function collectResult<T>(worker: ChildProcessWithoutNullStreams): Promise<T> {
  let stdout = "";
  let stderr = "";
  worker.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  worker.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    worker.on("error", reject);
    worker.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as T);
      else reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
}

describe("several processes sharing one embedded database", () => {
  let bundle: string;
  let directory: TempDirectory;

  beforeAll(async () => {
    bundle = await bundleForChild(join(here, "..", "..", "engine", "backends", "embedded", "index.ts"), "synheart-embedded-tests", "embedded");
  });
  afterAll(() => {
    if (bundle) rmSync(bundle, { force: true });
  });
  // Each test starts from an empty directory: the workers also race to create the database and key file.
  beforeEach(() => {
    directory = makeTempDirectory();
  });
  afterEach(() => directory.remove());

  /** Starts the workers, waits until every one is set up, then lets them all go at once. */
  async function compete<T>(scenario: string): Promise<T[]> {
    const workers = Array.from({ length: PROCESSES }, () =>
      spawn(process.execPath, [workerScript, bundle, directory.path, scenario], { timeout: 15_000 }),
    );
    const results = workers.map(collectResult<T>);
    await Promise.all(workers.map((worker) => once(worker.stderr, "data")));
    for (const worker of workers) worker.stdin.end("go\n");
    return Promise.all(results);
  }

  it("creates one database and one key file when processes start together on an empty directory", async () => {
    const results = await compete<{ context: EncryptionContext; envelope: SealedEnvelope }>("seal");
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    try {
      expect(new Set(results.map((result) => result.envelope.keyId)).size).toBe(1);
      for (const { context, envelope } of results) {
        expect(new TextDecoder().decode(await backends.encryptor.open(envelope, context))).toMatch(/^sealed by \d+$/);
      }
    } finally {
      await backends.close();
    }
  });

  it("lets exactly one compare-and-set win across processes", async () => {
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    await backends.tokenStore.put(
      { vendor: "whoop", userId: "shared", status: "active", sealedTokens: { alg: "A256GCM", keyId: "k", iv: "", ciphertext: "initial", tag: "" }, updatedAt: 0 },
      null,
    );
    const results = await compete<{ winners: string[] }>("cas");
    const winners = results.flatMap((result) => result.winners);
    expect(winners).toHaveLength(1);
    const stored = await backends.tokenStore.get("whoop", "shared");
    expect(stored?.version).toBe(2);
    expect(stored?.sealedTokens.ciphertext).toBe(winners[0]);
    await backends.close();
  });

  it("reports each replay key as first seen in exactly one process", async () => {
    const results = await compete<{ firsts: number[] }>("replay");
    const firsts = results.flatMap((result) => result.firsts).sort((a, b) => a - b);
    expect(firsts).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });

  it("grants each lease to exactly one process", async () => {
    const results = await compete<{ acquired: number[] }>("lease");
    const acquired = results.flatMap((result) => result.acquired).sort((a, b) => a - b);
    expect(acquired).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });

  it("shares one rate limit between processes", async () => {
    const results = await compete<{ granted: number }>("rate");
    expect(results.reduce((sum, result) => sum + result.granted, 0)).toBe(25);
  });

  it("delivers every queued job to exactly one process", async () => {
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    const events: NormalizedEvent[] = Array.from({ length: 150 }, (_, index) => ({
      id: `event-${index}`,
      vendor: "fitbit",
      type: "activities",
      userId: "f-1",
      delivery: "push",
      data: { index },
      authenticity: "verified",
    }));
    expect((await backends.jobQueue.enqueue(events)).enqueued).toHaveLength(150);
    await backends.close();
    const results = await compete<{ received: string[] }>("queue");
    const received = results.flatMap((result) => result.received);
    expect(new Set(received).size).toBe(received.length);
    expect(received.sort()).toEqual(events.map((event) => event.id).sort());
    expect(results.filter((result) => result.received.length > 0).length).toBeGreaterThan(1);
  });
});
