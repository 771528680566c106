import { existsSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatProblem } from "../../manifest/problems.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { loadCommandCatalog, vendorOptions, vendorSelection } from "../load-vendors.js";

export const buildCommandSpec: CliCommand = {
  summary: "validate the manifests and bundle the Lambda HTTP handler and/or the SQS worker with them embedded",
  usage: "",
  options: {
    target: { type: "string", default: "http", value: "http|worker|all", description: "which Lambda entry points to bundle" },
    sink: { type: "string", value: "<module>", description: "worker: the file whose default export receives each delivery (required for worker and all)" },
    ...vendorOptions,
    out: { type: "string", default: "dist-lambda", value: "<folder>", description: "where the bundles are written" },
    minify: { type: "boolean", description: "minify the bundles" },
  },
  details: "The built-in vendors are bundled, plus --vendors; a retired vendor is left out with a warning (--allow-retired keeps it).",
  run: (io, args) => buildCommand(io, args),
};

/** One Lambda entry point `build` can bundle. */
interface BuildTarget {
  /** The bundle's file name in --out; its handler is `<name without .mjs>.handler`. */
  readonly file: string;
  /** The entry module's source: imports from engine/ and the embedded manifests (./manifests.json). */
  entry(sink: string | undefined): string[];
  readonly describe: readonly string[];
}

const TARGETS: Record<"http" | "worker", BuildTarget> = {
  http: {
    file: "index.mjs",
    entry: () => [
      `import { createBundledLambdaHandler } from ${JSON.stringify(sourceModule("handlers/lambda-bundle"))};`,
      `import definitions from "./manifests.json" with { type: "json" };`,
      `export const handler = createBundledLambdaHandler(definitions);`,
    ],
    describe: [
      "handler: index.handler (API Gateway HTTP API payload 2.0 or a function URL), runtime nodejs20.x or later",
      "environment: SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID, SYNHEART_<VENDOR>_CLIENT_ID / _CLIENT_SECRET / settings; optional SYNHEART_HTTP_PREFIX, SYNHEART_PUBLIC_URL, SYNHEART_SUCCESS_URL, SYNHEART_ERROR_URL (README, \"Lambda bundles\")",
    ],
  },
  worker: {
    file: "worker.mjs",
    entry: (sink) => [
      `import { createBundledScheduledHandler, createBundledSqsHandler } from ${JSON.stringify(sourceModule("handlers/lambda-worker-bundle"))};`,
      `import definitions from "./manifests.json" with { type: "json" };`,
      `import * as sinkModule from ${JSON.stringify(sink)};`,
      `export const handler = createBundledSqsHandler(definitions, sinkModule);`,
      `export const scheduled = createBundledScheduledHandler(definitions);`,
    ],
    describe: [
      "handler: worker.handler (SQS event source mapping with FunctionResponseTypes: [ReportBatchItemFailures]), runtime nodejs20.x or later",
      "pull-sync schedule: worker.scheduled, invoked by EventBridge Scheduler (SyncScheduleFunctionArn in docs/aws/connector.cloudformation.yaml)",
      "environment: SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID, SYNHEART_<VENDOR>_CLIENT_ID / _CLIENT_SECRET / settings",
    ],
  },
};

const TARGET_NAMES = { http: ["http"], worker: ["worker"], all: ["http", "worker"] } as const;

/**
 * `build`: validates the manifests now and bundles Lambda handlers (ESM, node20) that embed them as JSON: the HTTP
 * handler (`--target http`, the default), the SQS worker with the user's sink bundled in (`--target worker --sink
 * ./sink.js`), or both (`all`). A bundle has no YAML parser and no JSON Schema compiler: its entry builds the engine
 * from the embedded definitions (createConnectorEngine), and nothing on that path imports the manifest loader.
 */
export async function buildCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs(buildCommandSpec, args);
  const targetName = String(values.target) as keyof typeof TARGET_NAMES;
  if (!Object.hasOwn(TARGET_NAMES, targetName)) throw new UsageError(`--target must be http, worker or all, not "${String(values.target).slice(0, 32)}"`);
  const targets = TARGET_NAMES[targetName].map((name) => TARGETS[name]);
  const sink = typeof values.sink === "string" ? resolve(io.cwd, values.sink) : undefined;
  if (targetName !== "http" && sink === undefined) {
    throw new UsageError("--target worker (and all) needs --sink <module>: the file whose default export receives each delivery");
  }
  if (sink !== undefined && !existsSync(sink)) throw new UsageError(`--sink ${String(values.sink)}: no such file`);
  const loaded = await loadCommandCatalog(io, vendorSelection(values));
  const errors = loaded.problems.filter((problem) => problem.severity === "error");
  for (const problem of loaded.problems) io.err(formatProblem(problem));
  if (errors.length > 0) {
    io.err(`${errors.length} manifest error(s): nothing built`);
    return 1;
  }
  if (loaded.vendors.length === 0) throw new UsageError("no manifest found");

  const esbuild = await import("esbuild").catch(() => {
    throw new UsageError("`build` needs esbuild: npm install --save-dev esbuild");
  });
  const out = resolve(io.cwd, String(values.out));
  const work = join(out, ".build");
  await mkdir(work, { recursive: true });
  // Definitions as the loader returns them (schema defaults applied), minus the absolute source path.
  const definitions = loaded.vendors.map((vendor) => ({ id: vendor.id, manifest: vendor.manifest, source: `embedded:${vendor.id}` }));
  await writeFile(join(work, "manifests.json"), JSON.stringify(definitions));
  const entries: Record<string, string> = {};
  for (const target of targets) {
    const entry = join(work, `entry-${target.file}`);
    await writeFile(entry, [...target.entry(sink), ""].join("\n"));
    entries[target.file.replace(/\.mjs$/, "")] = entry;
  }
  const built = await bundleEntries(esbuild, entries, out, values.minify === true);
  await rm(work, { recursive: true, force: true });
  for (const [index, target] of targets.entries()) {
    const size = (await stat(built[index]!)).size;
    io.out(`built ${built[index]} (${(size / 1024).toFixed(0)} KiB, lazily loaded parts in ${CHUNKS_DIRECTORY}/) with ${definitions.length} manifest(s): ${definitions.map((d) => d.id).join(", ")}`);
    for (const line of target.describe) io.out(`  ${line}`);
  }
  return 0;
}

const CHUNKS_DIRECTORY = "chunks";

/**
 * Bundles entries (name -> entry file) into `<out>/<name>.mjs` in one pass, with code splitting: what the engine
 * imports dynamically (the AWS SDK clients, the AWS backends, ky behind OAuth and the vendor API) goes to
 * `<out>/chunks/`, shared by the entries and loaded on first use, so a cold start that only verifies a webhook
 * parses none of it. Deploy the whole directory. Pass every entry of one `out` in one call: each call replaces
 * `chunks/`.
 */
async function bundleEntries(esbuild: typeof import("esbuild"), entries: Readonly<Record<string, string>>, out: string, minify: boolean): Promise<string[]> {
  await rm(join(out, CHUNKS_DIRECTORY), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { ...entries },
    outdir: out,
    outExtension: { ".js": ".mjs" },
    chunkNames: `${CHUNKS_DIRECTORY}/[name]-[hash]`,
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // CommonJS dependencies call require() for Node built-ins; an ESM bundle has none unless we provide it.
    banner: { js: 'import { createRequire as __synheartCreateRequire } from "node:module"; const require = __synheartCreateRequire(import.meta.url);' },
  });
  return Object.keys(entries).map((name) => join(out, `${name}.mjs`));
}

/** engine/<name>.ts from source (tests, tsx) or dist/engine/<name>.js once compiled. */
function sourceModule(name: string): string {
  for (const extension of [".js", ".ts"]) {
    const file = fileURLToPath(new URL(`../../${name}${extension}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new UsageError(`cannot find engine/${name} beside the CLI`);
}
