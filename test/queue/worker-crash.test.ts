import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { createJobProcessor, createWorker, type JobReport } from "../../engine/queue/index.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { bundleForChild } from "../support/bundle-for-child.js";
import { storeSealedConnection } from "./support/connections.js";
import { pushEvent } from "./support/events.js";
import { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "./support/test-vendor.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const VISIBILITY_TIMEOUT_MS = 1_000;

describe("worker killed mid-job", () => {
  let directory: TempDirectory;
  let bundle: string;

  beforeAll(async () => {
    directory = makeTempDirectory("synheart-queue-");
    bundle = await bundleForChild(join(here, "fixtures", "crash-worker-entry.ts"), "synheart-queue-tests", "crash-worker");
  });
  afterAll(() => {
    if (bundle) rmSync(bundle, { force: true });
    directory?.remove();
  });

  it("the job reappears after the visibility timeout and a second worker completes it exactly once", async () => {
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    const engine = createConnectorEngine({
      vendors: [queueTestVendor({ issuer: "http://127.0.0.1:9", apiUrl: "http://127.0.0.1:9" })],
      backends,
      credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
    });
    await storeSealedConnection(backends, { vendor: QUEUE_VENDOR, userId: "our-user", vendorUserId: "vendor-user" });
    const event = pushEvent("vendor-user", { score: 77 });
    await engine.enqueueEvent(event);

    const child = spawn(process.execPath, [join(here, "fixtures", "crash-worker.mjs"), bundle, directory.path, String(VISIBILITY_TIMEOUT_MS)], {
      timeout: 15_000,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit");
    let taken = "";
    for await (const chunk of child.stdout) {
      taken += (chunk as Buffer).toString();
      if (taken.includes("\n")) break;
    }
    expect(taken.trim(), stderr).toBe(`took ${event.id}`);

    // The survivor polls while the child holds the job past one visibility timeout: the child's heartbeat keeps it hidden.
    const sunk: string[] = [];
    const reports: JobReport[] = [];
    const survivor = createWorker({
      queue: backends.jobQueue,
      process: createJobProcessor(engine, ({ event: delivered }) => void sunk.push(delivered.id)),
      visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
      waitMs: 50,
      onReport: (report) => reports.push(report),
    });
    survivor.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_TIMEOUT_MS * 1.2));
      expect(sunk).toEqual([]);

      child.kill("SIGKILL");
      await exited;
      const killedAt = performance.now();
      while (sunk.length === 0 && performance.now() - killedAt < 5_000) await new Promise((resolve) => setTimeout(resolve, 10));
      const recoveryMs = performance.now() - killedAt;
      console.info(`crash recovery: job completed by the second worker ${recoveryMs.toFixed(0)} ms after SIGKILL (visibility timeout ${VISIBILITY_TIMEOUT_MS} ms)`);
      expect(recoveryMs).toBeLessThan(VISIBILITY_TIMEOUT_MS + 500);

      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sunk).toEqual([event.id]);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({ result: "completed", outcome: { status: "delivered", userId: "our-user" }, received: { receiveCount: 2 } });
    } finally {
      await survivor.stop();
    }
    expect(await backends.jobQueue.receive()).toEqual([]);
    expect(await backends.jobQueue.listDeadLetters()).toEqual([]);
    await backends.close();
  });
});
