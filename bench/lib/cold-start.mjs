// Cold start: wall time from spawning `node` to its exit after the first verified event, for the plain build
// (unbundled ES modules, like dist/) and for bundles; each as a ratio to a bare `node -e 0` measured in the same run,
// interleaved, median of N runs.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { outRoot } from "./build.mjs";

const WHOOP_SECRET = "whoop-client-secret";
// Every shipped vendor configured (bench/scenarios/vendor-fixtures.ts), so every manifest is loaded and planned.
const credentials = {
  whoop: { clientId: "whoop-client", clientSecret: WHOOP_SECRET, settings: {} },
  oura: { clientId: "oura-client", clientSecret: "oura-client-secret", settings: { verificationToken: "oura-verify" } },
  polar: { clientId: "polar-client", clientSecret: "polar-client-secret", settings: { webhookSecret: ["polar-webhook-secret"] } },
  suunto: { clientId: "suunto-client", clientSecret: "suunto-client-secret", settings: { subscriptionKey: "apim-key", notificationSecret: ["s"] } },
  garmin: { clientId: "garmin-key", clientSecret: "garmin-client-secret", settings: {} },
  withings: { clientId: "withings-client", clientSecret: "withings-client-secret", settings: { notifyIpRanges: ["89.30.121.0/24"] } },
  fitbit: { clientId: "23ABCD", clientSecret: "fitbit-client-secret", settings: { verifyCode: "fitbit-verify" } },
};

function signedWhoopRequest() {
  const body = '{ "user_id": 10129, "id": "ecfc6a15-4661-442f-a9a4-f160dd7afae8", "type": "sleep.updated", "trace_id": "cold" }';
  const timestamp = String(Date.now());
  const signature = createHmac("sha256", WHOOP_SECRET).update(timestamp).update(body).digest("base64");
  return { method: "POST", headers: { "x-whoop-signature": signature, "x-whoop-signature-timestamp": timestamp }, rawBody: body };
}

/** The Lambda bundle as `synheart-connector build --minify --allow-retired` makes it, using the plain build's CLI. */
export async function buildLambdaBundle({ plainDir, repoRoot }) {
  const cli = join(plainDir, "engine", "cli", "commands", "build.js");
  if (!existsSync(cli)) return undefined;
  const out = join(outRoot, "lambda");
  // The command module itself (registered in the CLI's main or not yet): buildCommand(io, args).
  const command = pathToFileURL(cli).href;
  const run = `const { buildCommand } = await import(${JSON.stringify(command)});
    const io = { out: () => {}, err: (l) => process.stderr.write(l + "\\n"), env: process.env, cwd: process.cwd() };
    process.exitCode = await buildCommand(io, process.argv.slice(1));`;
  // --target all when the command has it (the worker bundle with the bench's sink); older builds made only index.mjs.
  const targetArgs = ["--target", "all", "--sink", join(repoRoot, "bench", "cold", "worker-sink.mjs")];
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", run, "--", "--out", out, "--allow-retired", "--minify", ...targetArgs], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  const bundle = join(out, "index.mjs");
  if (result.status !== 0 && !existsSync(bundle)) throw new Error(`synheart-connector build failed: ${result.stdout}${result.stderr}`);
  return bundle;
}

/** The worker bundle `build --target all` wrote beside the HTTP one, as a cold-start target (first SQS batch answered). */
export function lambdaWorkerTarget(bundle, repoRoot) {
  const worker = join(bundle, "..", "worker.mjs");
  if (!existsSync(worker)) return undefined;
  const http = lambdaTarget(bundle, repoRoot);
  return {
    name: "Lambda worker bundle (`build --target worker --minify`)",
    args: [join(repoRoot, "bench", "cold", "lambda-worker-first-job.mjs")],
    env: () => ({ ...http.env(), BENCH_WORKER_BUNDLE: worker }),
  };
}

/** The `build` bundle as a cold-start target: credentials for every vendor from the environment, memory backends. */
export function lambdaTarget(bundle, repoRoot) {
  const vendorEnv = {};
  const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
  for (const [vendor, c] of Object.entries(credentials)) {
    vendorEnv[`SYNHEART_${vendor.toUpperCase()}_CLIENT_ID`] = c.clientId;
    vendorEnv[`SYNHEART_${vendor.toUpperCase()}_CLIENT_SECRET`] = c.clientSecret;
    for (const [name, value] of Object.entries(c.settings)) vendorEnv[`SYNHEART_${vendor.toUpperCase()}_${snake(name)}`] = [value].flat().join(",");
  }
  return {
    name: "Lambda bundle (`synheart-connector build --minify`)",
    args: [join(repoRoot, "bench", "cold", "lambda-first-event.mjs")],
    env: () => ({ ...process.env, ...vendorEnv, SYNHEART_BACKEND: "memory", BENCH_LAMBDA_BUNDLE: bundle, BENCH_REQUEST: JSON.stringify(signedWhoopRequest()) }),
  };
}

export async function prepareColdTargets({ repoRoot, plainDir }) {
  const plainEntry = join(plainDir, "bench-entry.mjs");
  writeFileSync(
    plainEntry,
    [
      'export { loadConnectorEngine } from "./engine/load-engine.js";',
      'import { createMemoryBackends } from "./engine/backends/embedded/index.js";',
      "export const createBackends = () => createMemoryBackends();",
      "",
    ].join("\n"),
  );
  const bundlePath = join(outRoot, "cold-bundle.mjs");
  await build({
    entryPoints: [join(repoRoot, "bench", "scenarios", "cold-bundle-entry.ts")],
    outfile: bundlePath,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3", "@aws-sdk/*"],
    // CommonJS dependencies inlined in an ES module bundle still call require() for node: builtins.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: "error",
  });
  const targets = [
    { name: "plain package (unbundled ES modules, like dist/)", module: plainEntry },
    { name: "engine bundle (esbuild, deps inlined, minified)", module: bundlePath },
  ];
  return targets;
}

function timeOnce(args, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** extraTargets: [{ name, args, env }] run as given (e.g. the `synheart-connector build` Lambda bundle). */
export async function measureColdStart({ repoRoot, targets, runs = 15, extraTargets = [] }) {
  const firstEvent = join(repoRoot, "bench", "cold", "first-event.mjs");
  const all = [
    ...targets.map((target) => ({
      name: target.name,
      args: [firstEvent],
      env: () => ({
        ...process.env,
        BENCH_ENGINE_MODULE: target.module,
        BENCH_VENDORS_DIR: join(repoRoot, "vendors"),
        BENCH_CREDENTIALS: JSON.stringify(credentials),
        BENCH_REQUEST: JSON.stringify(signedWhoopRequest()),
      }),
    })),
    ...extraTargets,
  ].filter((target) => !target.module || existsSync(target.module));
  const samples = { bare: [], ...Object.fromEntries(all.map((target) => [target.name, []])) };
  for (const target of all) timeOnce(target.args, target.env()); // warm the file cache
  for (let i = 0; i < runs; i++) {
    samples.bare.push(timeOnce(["-e", "0"], process.env));
    for (const target of all) samples[target.name].push(timeOnce(target.args, target.env()));
  }
  const bareMs = median(samples.bare);
  return {
    runs,
    bareNodeMs: Math.round(bareMs * 10) / 10,
    targets: all.map((target) => {
      const ms = median(samples[target.name]);
      return { name: target.name, medianMs: Math.round(ms * 10) / 10, ratioToBareNode: Math.round((ms / bareMs) * 100) / 100 };
    }),
  };
}
