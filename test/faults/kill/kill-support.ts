// A vendor firing signed WHOOP deliveries at a server process, which is SIGKILLed mid-run and restarted; the vendor
// then retries what was not acknowledged (and re-sends some that were, as vendors do). Used on both backends.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadManifestFiles } from "../../../engine/manifest/loader.js";
import { bundleForChild, repoRoot } from "../../support/bundle-for-child.js";

const here = dirname(fileURLToPath(import.meta.url));
export const WHOOP_SECRET = "whoop-kill-test-secret";

/**
 * Bundles the server (packages external) inside node_modules, so its bare imports resolve, and writes the validated
 * WHOOP definition beside it for the server to read.
 */
export async function bundleIngestServer(): Promise<{ path: string; vendorsFile: string; remove(): void }> {
  const path = await bundleForChild(join(here, "ingest-server-entry.ts"), "synheart-kill-tests", "ingest-server");
  const vendorsFile = path.replace(/\.mjs$/, ".vendors.json");
  const { vendors } = await loadManifestFiles([join(repoRoot, "vendors", "whoop.yaml")]);
  writeFileSync(vendorsFile, JSON.stringify(vendors.map((vendor) => ({ id: vendor.id, manifest: vendor.manifest, source: `embedded:${vendor.id}` }))));
  return {
    path,
    vendorsFile,
    remove: () => {
      rmSync(path, { force: true });
      rmSync(vendorsFile, { force: true });
    },
  };
}

export interface ServerProcess {
  readonly origin: string;
  kill(): Promise<void>;
}

export async function startIngestServer(bundle: { path: string; vendorsFile: string }, env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [bundle.path], {
    env: { ...process.env, ...env, INGEST_VENDORS_FILE: bundle.vendorsFile, INGEST_WHOOP_SECRET: WHOOP_SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const { port } = await new Promise<{ port: number }>((resolveStart, reject) => {
    child.once("exit", (code) => reject(new Error(`ingest server exited (${code})`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolveStart(JSON.parse(line) as { port: number }));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface Delivery {
  readonly resourceId: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export function whoopDeliveries(count: number): Delivery[] {
  return Array.from({ length: count }, (_, n) => {
    const resourceId = randomUUID();
    const body = JSON.stringify({ user_id: 10129 + (n % 50), id: resourceId, type: "sleep.updated", trace_id: `kill-${n}` });
    const timestamp = String(Date.now());
    const signature = createHmac("sha256", WHOOP_SECRET).update(timestamp).update(body).digest("base64");
    return {
      resourceId,
      body,
      headers: { "content-type": "application/json", "x-whoop-signature": signature, "x-whoop-signature-timestamp": timestamp },
    };
  });
}

type Answer = { readonly status: number; readonly retryAfterSeconds?: number } | { readonly status: "no answer" };

async function send(origin: string, delivery: Delivery): Promise<Answer> {
  try {
    const response = await fetch(`${origin}/webhooks/whoop`, { method: "POST", headers: delivery.headers, body: delivery.body });
    await response.arrayBuffer();
    const retryAfter = Number(response.headers.get("retry-after"));
    return { status: response.status, ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
  } catch {
    return { status: "no answer" }; // the connection dropped: the process died with the request in flight
  }
}

/** WHOOP's answer to a replay (409) counts as acknowledged too: the delivery was stored before. */
const acknowledged = (answer: Answer) => typeof answer.status === "number" && ((answer.status >= 200 && answer.status < 300) || answer.status === 409);

export interface KillRun {
  readonly deliveries: readonly Delivery[];
  /** Deliveries answered 2xx by the first server, before or while it was killed. */
  readonly acknowledgedBeforeKill: ReadonlySet<string>;
  /** Deliveries that got no answer or a non-2xx from the first server. */
  readonly unacknowledgedBeforeKill: number;
}

/**
 * Fires `count` deliveries with `concurrency` at a first server, SIGKILLs it once `killAfter` were acknowledged,
 * starts a second one on the same storage, and retries every delivery until acknowledged (each acknowledged one is
 * sent once more too, as a vendor's duplicate would be).
 */
export async function fireKillAndRetry(options: {
  count: number;
  concurrency: number;
  killAfter: number;
  start: () => Promise<ServerProcess>;
}): Promise<KillRun & { second: ServerProcess }> {
  const deliveries = whoopDeliveries(options.count);
  const first = await options.start();
  const acknowledgedBeforeKill = new Set<string>();
  let unacknowledged = 0;
  let next = 0;
  let killing: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++]!;
        const answer = await send(first.origin, delivery);
        if (acknowledged(answer)) acknowledgedBeforeKill.add(delivery.resourceId);
        else unacknowledged++;
        if (acknowledgedBeforeKill.size >= options.killAfter) killing ??= first.kill();
      }
    }),
  );
  await (killing ?? first.kill());

  const second = await options.start();
  const pending = [...deliveries];
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let delivery = pending.shift(); delivery; delivery = pending.shift()) {
        for (let attempt = 0; ; attempt++) {
          const answer = await send(second.origin, delivery);
          if (acknowledged(answer)) break;
          if (attempt >= 20) throw new Error(`delivery ${delivery.resourceId} never acknowledged: ${answer.status}`);
          const waitSeconds = "retryAfterSeconds" in answer && answer.retryAfterSeconds ? Math.min(answer.retryAfterSeconds, 2) : 0.05;
          await new Promise((done) => setTimeout(done, waitSeconds * 1000));
        }
      }
    }),
  );
  return { deliveries, acknowledgedBeforeKill, unacknowledgedBeforeKill: unacknowledged, second };
}
