// HTTP ingest under load: autocannon on loopback at a fixed concurrency against the node:http server
// (bench/scenarios/http-server.ts), WHOOP deliveries signed per request (each one unique, so none is a replay).
// Afterwards the SQLite queue is counted: every 2xx must be exactly one stored event, and nothing else stored.
import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import Database from "better-sqlite3";

const SECRET = "whoop-client-secret"; // bench/scenarios/vendor-fixtures.ts

export async function runHttpLoad(serverBundle, { connections = 32, amount = 10_000, repoRoot }) {
  const directory = mkdtempSync(join(tmpdir(), "synheart-bench-http-"));
  const server = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []), serverBundle], { env: { ...process.env, BENCH_DIRECTORY: directory, SYNHEART_REPO: repoRoot }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const { port } = await new Promise((resolve, reject) => {
      server.once("exit", (code) => reject(new Error(`http server exited (${code})`)));
      createInterface({ input: server.stdout }).once("line", (line) => resolve(JSON.parse(line)));
    });
    let sequence = 0;
    const run = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      amount, // a fixed number of requests: all of them complete, so every answer can be matched with the queue
      requests: [
        {
          method: "POST",
          path: "/webhooks/whoop",
          setupRequest: (request) => {
            const n = sequence++;
            const body = JSON.stringify({ user_id: 10129 + (n % 1000), id: randomUUID(), type: "sleep.updated", trace_id: `bench-${n}` });
            const timestamp = String(Date.now());
            const signature = createHmac("sha256", SECRET).update(timestamp).update(body).digest("base64");
            return {
              ...request,
              body,
              headers: { "content-type": "application/json", "x-whoop-signature": signature, "x-whoop-signature-timestamp": timestamp },
            };
          },
        },
      ],
    });
    server.kill("SIGTERM");
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once("exit", resolve)));
    const db = new Database(join(directory, "connector.db"), { readonly: true });
    const stored = db.prepare("SELECT count(*) AS n, count(DISTINCT json_extract(event, '$.id')) AS distinctEvents FROM jobs").get();
    db.close();
    const accepted = run["2xx"];
    return {
      connections,
      amount,
      requestsPerSecond: Math.round(run.requests.average),
      p50Ms: run.latency.p50,
      p99Ms: run.latency.p99,
      sent: run.requests.sent ?? run.requests.total,
      accepted,
      non2xx: run.non2xx,
      errors: run.errors,
      timeouts: run.timeouts,
      enqueued: stored.n,
      distinctEventsEnqueued: stored.distinctEvents,
      exactlyOnce: stored.n === accepted && stored.distinctEvents === accepted,
    };
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function summarize(runs) {
  return {
    requestsPerSecond: Math.round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    exactlyOnce: runs.every((run) => run.exactlyOnce),
    runs,
  };
}

/**
 * The engine's server against the floor (bench/floor/http-floor.mjs) under the same load, alternating floor, engine,
 * floor, engine... so that both see the same machine; medians of the rounds and engine/floor ratios.
 */
export async function runHttpComparison(engineServer, floorServer, { rounds = 3, ...load }) {
  const engineRuns = [];
  const floorRuns = [];
  for (let round = 0; round < rounds; round++) {
    floorRuns.push(await runHttpLoad(floorServer, load));
    engineRuns.push(await runHttpLoad(engineServer, load));
  }
  const engine = summarize(engineRuns);
  const floor = summarize(floorRuns);
  const ratio = (a, b) => Math.round((a / b) * 100) / 100;
  return {
    connections: engineRuns[0].connections,
    amount: engineRuns[0].amount,
    rounds,
    engine,
    floor,
    ratios: {
      requestsPerSecond: ratio(engine.requestsPerSecond, floor.requestsPerSecond),
      p50: ratio(engine.p50Ms, floor.p50Ms),
      p99: ratio(engine.p99Ms, floor.p99Ms),
    },
    target: { minRequestsPerSecondRatio: 0.8, maxP99Ratio: 1.5 },
  };
}
