// Child processes in tests run plain Node, which cannot import TypeScript: their entry is bundled first.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Bundles `entry` into one .mjs (packages left external) under node_modules/.cache/<folder>, so that the bundle's bare
 * imports (`@aws-sdk/...`, `better-sqlite3`) resolve to the project's packages. Returns the bundle's path.
 */
export async function bundleForChild(entry: string, folder: string, name: string): Promise<string> {
  const outDir = join(repoRoot, "node_modules", ".cache", folder);
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-${process.pid}-${randomUUID().slice(0, 8)}.mjs`);
  const result = await build({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  if (result.errors.length > 0) throw new Error(`esbuild: ${result.errors.map((error) => error.text).join("; ")}`);
  return outfile;
}
