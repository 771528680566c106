import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A file or folder of the package itself, found from this module's own location so that it is the same wherever the
 * package is installed and whatever the working directory: engine/ when running from source, dist/engine/ once built.
 */
export function packagePath(relative: string): string {
  const candidates = [`../${relative}`, `../../${relative}`].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/** The package's name and version, from its own package.json. */
export function packageVersion(): { readonly name: string; readonly version: string } {
  const parsed = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { name?: string; version?: string };
  return { name: parsed.name ?? "@synheart/cloud-connector", version: parsed.version ?? "0.0.0" };
}
