// Compiles what the benchmarks run, so no benchmark runs through vitest or a TypeScript loader:
//  - scenario bundles: bench/scenarios/*.ts with the engine bundled in (npm packages left external), one .mjs each;
//  - a plain build: tsc into a private dist (unbundled ES modules), for the cold start of the plain package.
// Output lives in node_modules/.cache/synheart-bench so that bare imports resolve to the project's packages.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const outRoot = join(repoRoot, "node_modules", ".cache", "synheart-bench");

export async function buildScenarios(names) {
  const outDir = join(outRoot, "scenarios");
  mkdirSync(outDir, { recursive: true });
  const entryPoints = names.map((name) => join(repoRoot, "bench", "scenarios", `${name}.ts`));
  await build({
    entryPoints,
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "error",
  });
  return Object.fromEntries(names.map((name) => [name, join(outDir, `${name}.mjs`)]));
}

/**
 * The plain package: `tsc -p tsconfig.build.json` (what `npm run build` runs) into a private folder, so the shared
 * dist/ is left alone. Type errors elsewhere in the tree do not stop the emit; they are `npm run typecheck`'s job.
 */
export function buildPlainPackage() {
  const outDir = join(outRoot, "plain");
  rmSync(outDir, { recursive: true, force: true });
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir, "--declaration", "false", "--sourceMap", "false"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (!existsSync(join(outDir, "engine", "connector-engine.js"))) throw new Error(`tsc emitted nothing: ${result.stdout}${result.stderr}`);
  // Laid out like the package (code beside vendors/ and schema/), so the built-in vendors are found from it.
  for (const folder of ["vendors", "schema"]) cpSync(join(repoRoot, folder), join(outDir, folder), { recursive: true });
  return { dir: outDir, typeErrors: result.status === 0 ? 0 : (result.stdout.match(/error TS/g) ?? []).length };
}
