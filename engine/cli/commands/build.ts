import { existsSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatProblem } from "../../manifest/problems.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { loadCommandCatalog, vendorOptions, vendorSelection } from "../load-vendors.js";

export const buildCommandSpec: CliCommand = {
  summary: "validate the manifests and bundle a Lambda HTTP handler with them embedded",
  usage: "",
  options: {
    ...vendorOptions,
    out: { type: "string", default: "dist-lambda", value: "<folder>", description: "where the bundle is written" },
    minify: { type: "boolean", description: "minify the bundle" },
  },
  details: "The built-in vendors are bundled, plus --vendors; a retired vendor is left out with a warning (--allow-retired keeps it).",
  run: (io, args) => buildCommand(io, args),
};

/**
 * `build`: validates the manifests now and bundles a Lambda HTTP handler (ESM, node20) that embeds them as JSON.
 * The bundle has no YAML parser and no JSON Schema compiler: its entry builds the engine from the embedded definitions
 * (createConnectorEngine), and nothing on that path imports the manifest loader.
 */
export async function buildCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs(buildCommandSpec, args);
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
  const entry = join(work, "entry.mjs");
  await writeFile(
    entry,
    [
      `import { createBundledLambdaHandler } from ${JSON.stringify(sourceModule("handlers/lambda-bundle"))};`,
      `import definitions from "./manifests.json" with { type: "json" };`,
      `export const handler = createBundledLambdaHandler(definitions);`,
      "",
    ].join("\n"),
  );

  const outfile = join(out, "index.mjs");
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: values.minify === true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // CommonJS dependencies call require() for Node built-ins; an ESM bundle has none unless we provide it.
    banner: { js: 'import { createRequire as __synheartCreateRequire } from "node:module"; const require = __synheartCreateRequire(import.meta.url);' },
  });
  await rm(work, { recursive: true, force: true });
  const size = (await stat(outfile)).size;
  io.out(`built ${outfile} (${(size / 1024).toFixed(0)} KiB) with ${definitions.length} manifest(s): ${definitions.map((d) => d.id).join(", ")}`);
  io.out("  handler: index.handler (API Gateway HTTP API payload 2.0 or a function URL), runtime nodejs20.x or later");
  io.out("  environment: SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID, and SYNHEART_<VENDOR>_CLIENT_ID / _CLIENT_SECRET / settings");
  return 0;
}

/** engine/<name>.ts from source (tests, tsx) or dist/engine/<name>.js once compiled. */
function sourceModule(name: string): string {
  for (const extension of [".js", ".ts"]) {
    const file = fileURLToPath(new URL(`../../${name}${extension}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new UsageError(`cannot find engine/${name} beside the CLI`);
}
