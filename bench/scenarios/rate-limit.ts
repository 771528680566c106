// Rate limiter across processes: a local vendor API enforcing LIMIT requests/s (token bucket, capacity LIMIT, a
// 2-token allowance for arrival jitter) answers 429 above it; WORKERS processes, each with LOOPS concurrent request
// loops, share one distributed limiter (SQLite file, or DynamoDB on moto) through the engine's own gate
// (acquireCapacity over the RateLimiter port). Reported: utilisation of the allowed rate and 429s received.
// One bundle, two roles: the coordinator (default) spawns itself with BENCH_ROLE=worker.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { acquireCapacity, type RateLimitBucket } from "../../engine/api/rate-limit-gate.js";
import { DynamoDbRateLimiter } from "../../engine/backends/aws/index.js";
import { openSqliteDatabase, SqliteRateLimiter } from "../../engine/backends/embedded/index.js";
import { systemClock } from "../../engine/clock.js";
import type { RateLimiter } from "../../engine/ports/rate-limiter.js";
import { createTable, newDynamoDbClient } from "./aws-support.js";
import { emit, round } from "./stats.js";

const LIMIT = Number(process.env.BENCH_RATE_LIMIT ?? 50);
const WORKERS = Number(process.env.BENCH_RATE_WORKERS ?? 4);
const LOOPS = Number(process.env.BENCH_RATE_LOOPS ?? 4);
const DURATION_MS = Number(process.env.BENCH_RATE_DURATION_MS ?? 10_000);
const JITTER_TOKENS = 2;
const backend = (process.env.BENCH_LIMITER ?? "sqlite") as "sqlite" | "dynamodb";

interface WorkerReport {
  readonly sent: number;
  readonly ok: number;
  readonly tooMany: number;
  readonly timeouts: number;
}

async function worker(): Promise<void> {
  const { BENCH_API_URL: apiUrl, BENCH_START_AT: startAt, BENCH_DIRECTORY: directory, BENCH_TABLE: table } = process.env;
  let limiter: RateLimiter;
  let close = () => {};
  if (backend === "sqlite") {
    const db = openSqliteDatabase(join(directory!, "connector.db"));
    limiter = new SqliteRateLimiter(db);
    close = () => db.close();
  } else {
    const client = newDynamoDbClient();
    limiter = new DynamoDbRateLimiter({ client, tableName: table! });
    close = () => client.destroy();
  }
  const buckets: RateLimitBucket[] = [{ key: "ratelimit:bench:app", windows: [{ limit: LIMIT, periodSeconds: 1 }] }];
  const start = Number(startAt);
  const end = start + DURATION_MS;
  await new Promise((r) => setTimeout(r, Math.max(0, start - Date.now())));
  const report = { sent: 0, ok: 0, tooMany: 0, timeouts: 0 };
  const loop = async () => {
    while (Date.now() < end) {
      try {
        await acquireCapacity(limiter, buckets, systemClock, { deadline: end }, "bench");
      } catch {
        report.timeouts++;
        break;
      }
      if (Date.now() >= end) break;
      report.sent++;
      const response = await fetch(`${apiUrl}/v1/resource`);
      await response.arrayBuffer();
      if (response.status === 429) report.tooMany++;
      else if (response.ok) report.ok++;
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, loop));
  close();
  emit(report);
}

async function coordinator(): Promise<void> {
  // The vendor API: token bucket of LIMIT per second, starting full.
  let tokens = LIMIT;
  let updatedAt = performance.now();
  let accepted = 0;
  let rejected = 0;
  const server = createServer((_req, res) => {
    const now = performance.now();
    tokens = Math.min(LIMIT, tokens + ((now - updatedAt) / 1000) * LIMIT);
    updatedAt = now;
    if (tokens >= 1 - JITTER_TOKENS) {
      tokens -= 1;
      accepted++;
      res.end('{"ok":true}');
    } else {
      rejected++;
      res.writeHead(429, { "retry-after": "1" }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const directory = mkdtempSync(join(tmpdir(), "synheart-bench-rate-"));
  const env: Record<string, string> = { BENCH_ROLE: "worker", BENCH_API_URL: apiUrl, BENCH_DIRECTORY: directory };
  if (backend === "sqlite") openSqliteDatabase(join(directory, "connector.db")).close(); // schema once, before the race
  else env.BENCH_TABLE = await createTable(newDynamoDbClient());
  env.BENCH_START_AT = String(Date.now() + 1500); // every worker loaded and waiting before the clock starts
  const self = fileURLToPath(import.meta.url);
  const reports = await Promise.all(
    Array.from(
      { length: WORKERS },
      () =>
        new Promise<WorkerReport>((resolve, reject) => {
          const child = spawn(process.execPath, [self], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
          let report: WorkerReport | undefined;
          createInterface({ input: child.stdout }).on("line", (line) => (report = JSON.parse(line) as WorkerReport));
          child.once("exit", (code) => (report ? resolve(report) : reject(new Error(`worker exited with ${code}`))));
        }),
    ),
  );
  server.close();
  rmSync(directory, { recursive: true, force: true });
  const seconds = DURATION_MS / 1000;
  const allowed = LIMIT * seconds + LIMIT; // the refill over the run plus the bucket's initial capacity
  const ok = reports.reduce((sum, r) => sum + r.ok, 0);
  emit({
    scenario: "rate-limit",
    limiter: backend,
    limitPerSecond: LIMIT,
    workers: WORKERS,
    loopsPerWorker: LOOPS,
    durationSeconds: seconds,
    sent: reports.reduce((sum, r) => sum + r.sent, 0),
    accepted,
    tooManyRequests: rejected,
    utilisation: round(ok / allowed, 3),
    achievedPerSecond: round(ok / seconds, 1),
  });
}

await (process.env.BENCH_ROLE === "worker" ? worker() : coordinator());
