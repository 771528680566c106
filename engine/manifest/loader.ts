import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { ConnectorError } from "../errors.js";
import { lifecycleMessage, lifecycleState } from "./lifecycle.js";
import type { VendorManifest } from "./manifest.generated.js";
import { formatProblem, type ManifestProblem } from "./problems.js";
import { validateAgainstSchema } from "./schema-validator.js";
import { checkManifest, type SemanticFinding } from "./semantic-checks.js";
import type { DeepReadonly, VendorDefinition } from "./vendor-definition.js";
import { YamlSource, pathToPointer, pointerToPath } from "./yaml-source.js";

export interface LoadOptions {
  /** Load vendors whose API is retired (otherwise they are skipped, with a warning). */
  readonly allowRetired?: boolean;
  readonly now?: Date;
}

/** A valid manifest that was not loaded: its vendor's API is retired. */
export interface SkippedVendor {
  readonly id: string;
  readonly source: string;
  readonly reason: "retired";
}

export interface LoadResult {
  readonly vendors: VendorDefinition[];
  /** Every error and warning of every file; a file with an error yields no vendor. */
  readonly problems: ManifestProblem[];
  /** Valid manifests left out (retired), each with a warning in `problems`. Never blocks the other vendors. */
  readonly skipped: SkippedVendor[];
}

/** The path of every lifecycle warning (deprecated, retired): what `validate --strict` turns into failures. */
export const LIFECYCLE_PATH = "/lifecycle";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml"]);

/** Parses, validates and compiles one manifest. Collects every problem instead of stopping at the first. */
export function loadManifestText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const source = YamlSource.parse(text);
  const problems: ManifestProblem[] = [];
  const problem = (severity: ManifestProblem["severity"], path: (string | number)[], message: string, key?: string) => {
    const position = source.positionOf(path, key);
    problems.push({ severity, file, ...position, path: pathToPointer(key ? [...path, key] : path), message });
  };

  for (const error of source.document.errors) {
    const position = source.positionOfOffset(error.pos[0]);
    problems.push({ severity: "error", file, ...position, path: "", message: `YAML: ${error.message.split("\n")[0]}` });
  }
  if (problems.length > 0) return { vendors: [], problems, skipped: [] };

  let manifest: unknown;
  try {
    manifest = source.document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    problems.push({ severity: "error", file, line: 1, column: 1, path: "", message: `YAML: ${(error as Error).message}` });
    return { vendors: [], problems, skipped: [] };
  }
  for (const violation of validateAgainstSchema(manifest)) {
    problem("error", pointerToPath(violation.pointer), violation.message, violation.key);
  }
  const schemaValid = problems.length === 0;
  // The semantic pass runs even when the schema found errors, so that one run reports everything it can; on a
  // manifest of the wrong shape it may stop early, which only means fewer findings.
  for (const finding of semanticFindings(manifest, schemaValid)) problem(finding.severity, finding.path, finding.message);
  if (!schemaValid) return { vendors: [], problems: unique(problems), skipped: [] };

  const valid = manifest as VendorManifest;

  const stem = basename(file, extname(file));
  if (MANIFEST_EXTENSIONS.has(extname(file)) && stem !== valid.id) {
    problem("warning", ["id"], `id "${valid.id}" differs from the file name "${stem}"`);
  }
  const lifecycle = lifecycleMessage(valid, options.now);
  const skip = lifecycleState(valid, options.now) === "retired" && !options.allowRetired;
  if (lifecycle) {
    problem("warning", ["lifecycle"], skip ? `${lifecycle}; skipped (allowRetired or --allow-retired loads it)` : lifecycle);
  }
  const reported = unique(problems);
  if (reported.some((p) => p.severity === "error")) return { vendors: [], problems: reported, skipped: [] };
  if (skip) return { vendors: [], problems: reported, skipped: [{ id: valid.id, source: file, reason: "retired" }] };
  return { vendors: [{ id: valid.id, manifest: deepFreeze(valid), source: file }], problems: reported, skipped: [] };
}

function semanticFindings(manifest: unknown, schemaValid: boolean): SemanticFinding[] {
  if (schemaValid) return checkManifest(manifest as VendorManifest);
  if (!manifest || typeof manifest !== "object") return [];
  const findings: SemanticFinding[] = [];
  try {
    findings.push(...checkManifest(manifest as VendorManifest));
  } catch {
    // the manifest's shape stopped the pass; the schema errors say why
  }
  return findings;
}

/** One report per place and message: an expression reused through an alias is one mistake, not three. */
function unique(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.severity}|${p.line}|${p.column}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Loads every manifest in the given files and folders (folders: their *.yaml and *.yml files, not recursive). */
export async function loadManifestFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const files = await expandManifestPaths(paths);
  const vendors: VendorDefinition[] = [];
  const problems: ManifestProblem[] = [];
  const skipped: SkippedVendor[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const result = loadManifestText(await readFile(file, "utf8"), file, options);
    problems.push(...result.problems);
    skipped.push(...result.skipped);
    for (const vendor of result.vendors) {
      const first = seen.get(vendor.id);
      if (first) {
        problems.push({ severity: "error", file, line: 1, column: 1, path: "/id", message: `vendor id "${vendor.id}" is already defined in ${first}` });
        continue;
      }
      seen.set(vendor.id, file);
      vendors.push(vendor);
    }
  }
  return { vendors, problems, skipped };
}

export async function expandManifestPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ConnectorError("manifest_invalid", `${path}: no such file or folder`);
    if (info.isDirectory()) {
      const entries = (await readdir(path)).filter((name) => MANIFEST_EXTENSIONS.has(extname(name))).sort();
      files.push(...entries.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}

/** Validates a manifest given as an object (from code or tests). Throws a ConnectorError listing every problem. */
export function defineVendor(manifest: unknown, source = "<inline>", options: LoadOptions = {}): VendorDefinition {
  const result = loadManifestText(JSON.stringify(manifest), source, options);
  const errors = result.problems.filter((p) => p.severity === "error");
  const vendor = result.vendors[0];
  const retired = result.skipped[0];
  if (errors.length === 0 && retired) {
    const warning = result.problems.find((p) => p.path === LIFECYCLE_PATH);
    throw new ConnectorError("vendor_retired", warning?.message ?? `${retired.id} is retired`, { vendor: retired.id });
  }
  if (errors.length > 0 || !vendor) {
    throw new ConnectorError("manifest_invalid", errors.map(formatProblem).join("\n"), { details: { problems: errors } });
  }
  return vendor;
}

/**
 * Loads manifests and throws if any has an error; warnings (retired vendors skipped among them) are returned for the
 * caller to log.
 */
export async function loadVendors(
  paths: readonly string[],
  options: LoadOptions = {},
): Promise<{ vendors: VendorDefinition[]; warnings: ManifestProblem[]; skipped: SkippedVendor[] }> {
  return throwOnErrors(await loadManifestFiles(paths, options));
}

/** Throws ConnectorError("manifest_invalid") listing every error of a load; otherwise its vendors and warnings. */
export function throwOnErrors(result: LoadResult): { vendors: VendorDefinition[]; warnings: ManifestProblem[]; skipped: SkippedVendor[] } {
  const errors = result.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) {
    throw new ConnectorError("manifest_invalid", errors.map(formatProblem).join("\n"), { details: { problems: errors } });
  }
  return { vendors: result.vendors, warnings: result.problems.filter((p) => p.severity === "warning"), skipped: result.skipped };
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value as DeepReadonly<T>;
}
