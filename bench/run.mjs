#!/usr/bin/env node
// npm run bench [-- --only=webhook,breakdown,preauth,records,tokens,cold,http,ratelimit,sync] [--quick] [--budget=SECONDS]
//                 [--update-baseline]
// Builds the code under test (esbuild bundles + a tsc plain build), runs each scenario in its own process, prints
// a table, writes bench/results/latest.json and compares with the committed bench/baseline.json (reported, never
// failing: benchmark numbers vary by machine; CI keeps them visible, it does not gate on them).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync, mkdirSync, copyFileSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { join } from "node:path";
import { buildPlainPackage, buildScenarios, repoRoot } from "./lib/build.mjs";
import { buildLambdaBundle, lambdaTarget, lambdaWorkerTarget, measureColdStart, prepareColdTargets } from "./lib/cold-start.mjs";
import { runHttpComparison } from "./lib/http-load.mjs";
import { startMoto } from "./lib/moto.mjs";
import { printReport } from "./lib/report.mjs";

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const all = ["webhook", "breakdown", "preauth", "records", "tokens", "cold", "http", "ratelimit", "sync"];
const only = args.has("only") ? args.get("only").split(",") : all;
const quick = args.has("quick");
// With a budget, a scenario that would start after it is skipped (and said so), so the report is still printed.
const deadline = args.has("budget") ? Date.now() + Number(args.get("budget")) * 1000 : Infinity;
const skipped = [];
const wants = (name) => {
  if (!only.includes(name)) return false;
  if (Date.now() < deadline) return true;
  skipped.push(name);
  log(`${name}: skipped, over the ${args.get("budget")} s budget`);
  return false;
};
const resultsDir = join(repoRoot, "bench", "results");
const baselinePath = join(repoRoot, "bench", "baseline.json");
const latestPath = join(resultsDir, "latest.json");

const env = { ...process.env, SYNHEART_REPO: repoRoot, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
// The webhook scenario keeps its full size in quick mode (9 x 5 000, about 12 s more): rounds of 2 000 deliveries are
// 25-30 ms of engine CPU, and one pause of the VM's core then moved a round's ratio by half (CI's report is its check).
if (quick) Object.assign(env, { BENCH_ROUNDS: "3", BENCH_TOKEN_SQLITE_N: "5000", BENCH_TOKEN_AWS_N: "200", BENCH_RATE_DURATION_MS: "5000", BENCH_RECORDS_N: "500" });

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const runScenario = (bundle, extraEnv = {}) => {
  const out = execFileSync(process.execPath, [bundle], { env: { ...env, ...extraEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
  return JSON.parse(out.trim().split("\n").pop());
};

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  os: `${platform()} ${release()}`,
  loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
};
log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(" ")}`);

log("building scenarios (esbuild)");
const bundles = await buildScenarios(["webhook-ingest", "webhook-breakdown", "preauth-reject", "record-mapping", "token-reads", "http-server", "rate-limit", "cold-bundle-entry", "sync-backfill"]);
const failed = [];
const results = { date: new Date().toISOString(), machine, quick, skipped, failed };

// A scenario that fails is reported and the others still run, so one broken scenario does not cost the whole report.
async function scenario(name, description, run) {
  if (!wants(name)) return;
  log(description);
  try {
    await run();
  } catch (error) {
    failed.push(name);
    log(`${name} failed: ${String(error?.message ?? error).split("\n")[0]}`);
  }
}

let moto;
const needsAws = only.includes("tokens") || only.includes("ratelimit");
try {
  if (needsAws && process.env.BENCH_SKIP_AWS !== "1") {
    log("starting moto (DynamoDB, KMS) for the AWS backends");
    moto = await startMoto();
    env.SYNHEART_AWS_ENDPOINT = moto.endpoint;
  }
  await scenario("webhook", "webhook ingest in process, per vendor, vs bare HMAC", async () => {
      results.webhookIngest = runScenario(bundles["webhook-ingest"]);
  });
  await scenario("breakdown", "webhook stage breakdown", async () => {
      results.webhookBreakdown = runScenario(bundles["webhook-breakdown"]);
  });
  await scenario("preauth", "CPU per rejected unauthenticated 1 MiB request, per vendor, vs bare HMAC", async () => {
      results.preauthReject = runScenario(bundles["preauth-reject"]);
  });
  await scenario("records", "normalized records through the manifests' records mappings, vs JSON.parse of the payload", async () => {
      results.recordMapping = runScenario(bundles["record-mapping"]);
  });
  await scenario("tokens", "token read path (SQLite; DynamoDB + KMS on moto, data-key cache on/off)", async () => {
      results.tokenReads = runScenario(bundles["token-reads"]);
  });
  await scenario("cold", "cold start (tsc plain build; bundles)", async () => {
      const plain = buildPlainPackage();
      const targets = await prepareColdTargets({ repoRoot, plainDir: plain.dir });
      const lambda = await buildLambdaBundle({ plainDir: plain.dir, repoRoot });
      if (!lambda) log("no `synheart-connector build` yet: Lambda bundle skipped");
      const extraTargets = lambda ? [lambdaTarget(lambda, repoRoot), lambdaWorkerTarget(lambda, repoRoot)].filter(Boolean) : [];
      results.coldStart = { ...(await measureColdStart({ repoRoot, targets, extraTargets, runs: quick ? 5 : 15 })), target: { maxLambdaBundleRatio: 2.0 } };
  });
  await scenario("http", "HTTP ingest with autocannon: the engine (node:http + fetch handler, embedded SQLite) against the floor, alternating", async () => {
      const floor = join(repoRoot, "bench", "floor", "http-floor.mjs");
      results.httpIngest = await runHttpComparison(bundles["http-server"], floor, { rounds: quick ? 2 : 3, connections: 32, amount: quick ? 3000 : 10_000, repoRoot });
  });
  await scenario("ratelimit", "rate limiter across worker processes (SQLite, DynamoDB)", async () => {
      results.rateLimit = [runScenario(bundles["rate-limit"], { BENCH_LIMITER: "sqlite" })];
      if (env.SYNHEART_AWS_ENDPOINT) results.rateLimit.push(runScenario(bundles["rate-limit"], { BENCH_LIMITER: "dynamodb" }));
  });
  await scenario("sync", "backfill through the rate limiter against a local API enforcing the limit", async () => {
      results.syncBackfill = runScenario(bundles["sync-backfill"]);
  });
} finally {
  await moto?.stop();
}

mkdirSync(resultsDir, { recursive: true });
writeFileSync(latestPath, `${JSON.stringify(results, null, 2)}\n`);
const baseline = existsSync(baselinePath) ? JSON.parse(readFileSync(baselinePath, "utf8")) : undefined;
printReport(results, baseline);
log(`wrote ${latestPath}${baseline ? `; compared with bench/baseline.json (${baseline.date})` : "; no bench/baseline.json yet"}`);
if (args.has("update-baseline")) {
  copyFileSync(latestPath, baselinePath);
  log("bench/baseline.json updated");
}
if (failed.length > 0) {
  log(`failed: ${failed.join(", ")}`);
  process.exitCode = 1;
}
