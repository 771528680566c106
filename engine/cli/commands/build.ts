import { existsSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadManifestFiles } from "../../manifest/loader.js";
import { formatProblem } from "../../manifest/problems.js";
import { UsageError, type CliIo } from "../io.js";

export const BUILD_USAGE = "build [--vendors vendors] [--out dist-lambda] [--allow-retired] [--minify]";

/**
 * `build`: validates the manifests now and bundles a Lambda HTTP handler (ESM, node20) that embeds them as JSON.
 * The bundle has no YAML parser and no JSON Schema compiler: its entry builds the engine from the embedded definitions
 * (createConnectorEngine), and nothing on that path imports the manifest loader.
 */
export async function buildCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      vendors: { type: "string", multiple: true },
      out: { type: "string", default: "dist-lambda" },
      "allow-retired": { type: "boolean", default: false },
      minify: { type: "boolean", default: false },
    },
  });
  const paths = (values.vendors ?? ["vendors"]).map((path) => resolve(io.cwd, path));
  const loaded = await loadManifestFiles(paths, { allowRetired: values["allow-retired"] });
  const errors = loaded.problems.filter((problem) => problem.severity === "error");
  for (const problem of loaded.problems) (problem.severity === "error" ? io.err : io.out)(formatProblem(problem));
  if (errors.length > 0) {
    io.err(`${errors.length} manifest error(s): nothing built`);
    return 1;
  }
  if (loaded.vendors.length === 0) throw new UsageError("no manifest found");

  const esbuild = await import("esbuild").catch(() => {
    throw new UsageError("`build` needs esbuild: npm install --save-dev esbuild");
  });
  const out = resolve(io.cwd, values.out);
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

  const outfile = (await bundleEntries(esbuild, { index: entry }, out, values.minify))[0]!;
  await rm(work, { recursive: true, force: true });
  const size = (await stat(outfile)).size;
  io.out(`built ${outfile} (${(size / 1024).toFixed(0)} KiB, lazily loaded parts in ${CHUNKS_DIRECTORY}/) with ${definitions.length} manifest(s): ${definitions.map((d) => d.id).join(", ")}`);
  io.out("  handler: index.handler (API Gateway HTTP API payload 2.0 or a function URL), runtime nodejs20.x or later");
  io.out("  environment: SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID, and SYNHEART_<VENDOR>_CLIENT_ID / _CLIENT_SECRET / settings");
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
