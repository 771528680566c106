// Backfill through the rate limiter: a local vendor API enforcing LIMIT requests/s (token bucket, capacity LIMIT plus
// a 2-token allowance for arrival jitter; 429 above it) serves a paginated stream; the engine backfills enough days
// for about DURATION of requests, CONCURRENCY window jobs at once on the embedded SQLite backends, through the vendor
// API client (the manifest declares LIMIT per second). Reported: records/s, achieved requests/s against the limit
// (utilisation; aim >= 95%) and the 429s received (aim 0).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { defineVendor } from "../../engine/manifest/loader.js";
import { encodeTokenSet } from "../../engine/oauth/token-set.js";
import { createJobProcessor, processAvailableJobs } from "../../engine/queue/index.js";
import { emit, round } from "./stats.js";

const LIMIT = Number(process.env.BENCH_SYNC_LIMIT ?? 50);
const DURATION_MS = Number(process.env.BENCH_SYNC_DURATION_MS ?? process.env.BENCH_RATE_DURATION_MS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 4);
const PAGE = 50;
const STEP_MS = 60_000; // one record a minute: 1440 a day, 29 pages a day
const JITTER_TOKENS = 2;

async function main(): Promise<void> {
  const pagesPerDay = Math.ceil(86_400_000 / STEP_MS / PAGE);
  const days = Math.max(1, Math.ceil((LIMIT * DURATION_MS) / 1000 / pagesPerDay));
  const now = Date.now();
  let tokens = LIMIT + JITTER_TOKENS;
  let refilledAt = performance.now();
  let accepted = 0;
  let tooMany = 0;
  const server = createServer((req, res) => {
    const at = performance.now();
    tokens = Math.min(LIMIT + JITTER_TOKENS, tokens + ((at - refilledAt) / 1000) * LIMIT);
    refilledAt = at;
    if (tokens < 1) {
      tooMany++;
      res.writeHead(429, { "retry-after": "1" });
      return void res.end();
    }
    tokens -= 1;
    accepted++;
    const url = new URL(req.url ?? "/", "http://localhost");
    const start = Number(url.searchParams.get("start")) * 1000;
    const end = Number(url.searchParams.get("end")) * 1000;
    const offset = Number(url.searchParams.get("next") ?? 0);
    const first = Math.ceil(start / STEP_MS) * STEP_MS + offset * STEP_MS;
    const data: { id: string; time: number }[] = [];
    for (let time = first; time < end && data.length < PAGE; time += STEP_MS) data.push({ id: `r${time}`, time });
    const more = first + PAGE * STEP_MS < end;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ data, next: more ? offset + PAGE : null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const vendor = defineVendor({
    id: "bench-sync",
    displayName: "Bench sync",
    api: { baseUrl: apiUrl, rateLimits: { windows: [{ limit: LIMIT, periodSeconds: 1, per: "app" }] } },
    oauth: { authorizeUrl: "https://b.example/a", tokenUrl: "https://b.example/t", clientAuth: "client_secret_post", pkce: true, refreshToken: "none", userId: { from: "tokenResponse", field: "u" } },
    sync: {
      streams: [
        {
          name: "readings",
          request: { method: "GET", path: "/readings", query: { start: "{window.start}", end: "{window.end}" }, timeFormat: "epoch-seconds" },
          records: "data",
          recordId: "id",
          pagination: { type: "token", next: "next", param: "next" },
          window: { maxSeconds: 86_400 },
        },
      ],
      backfill: { days },
    },
  });
  const directory = mkdtempSync(`${tmpdir()}/synheart-bench-sync-`);
  const backends = createEmbeddedBackends({ directory, env: {} });
  try {
    const engine = createConnectorEngine({ vendors: [vendor], backends, credentials: { "bench-sync": { clientId: "c", clientSecret: "s", settings: {} } }, allowInsecureHttp: true });
    const tokensSealed = await backends.encryptor.seal(encodeTokenSet({ accessToken: "at", tokenType: "Bearer", scopes: [], raw: {}, obtainedAt: now }), { vendor: "bench-sync", userId: "u" });
    await backends.tokenStore.put({ vendor: "bench-sync", userId: "u", vendorUserId: "vu", status: "active", sealedTokens: tokensSealed, updatedAt: now }, null);
    let records = 0;
    const process = createJobProcessor(engine, (delivery) => {
      if (delivery.event.type !== "sync.completed") records++;
    });
    // Let the server's bucket and ours start equal: both full.
    const started = performance.now();
    await engine.sync.connected("bench-sync", "u");
    for (;;) {
      const drained = await processAvailableJobs(backends.jobQueue, process, { concurrency: CONCURRENCY });
      if (drained.failed > 0) throw new Error("a window job failed");
      if (drained.reports.length === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const expected = days * 1440;
    // The first second may use both buckets' initial capacity: the allowed count is LIMIT per second plus one burst.
    const allowed = LIMIT * seconds + LIMIT + JITTER_TOKENS;
    emit({
      limiter: "sqlite",
      limitPerSecond: LIMIT,
      days,
      concurrency: CONCURRENCY,
      seconds: round(seconds),
      records,
      expectedRecords: expected,
      recordsPerSecond: Math.round(records / seconds),
      requests: accepted,
      achievedPerSecond: round(accepted / seconds),
      utilisation: round(accepted / allowed, 3),
      tooManyRequests: tooMany,
    });
  } finally {
    await backends.close();
    rmSync(directory, { recursive: true, force: true });
    server.close();
  }
}

await main();
