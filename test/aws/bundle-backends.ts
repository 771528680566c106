// Bundles engine/backends/aws (the AWS SDK left external) into one .mjs that plain Node child processes can import.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function bundleAwsBackends(): Promise<{ path: string; text: string }> {
  // Inside node_modules so that the bundle's bare `@aws-sdk/...` imports resolve to the project's packages.
  const outDir = join(repoRoot, "node_modules", ".cache", "synheart-aws-tests");
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `aws-backends-${process.pid}.mjs`);
  const result = await build({
    entryPoints: [join(repoRoot, "engine", "backends", "aws", "index.ts")],
    outfile: path,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: true,
    metafile: false,
    logLevel: "silent",
  });
  if (result.errors.length > 0) throw new Error(`esbuild: ${result.errors.map((e) => e.text).join("; ")}`);
  const { readFileSync } = await import("node:fs");
  return { path, text: readFileSync(path, "utf8") };
}
