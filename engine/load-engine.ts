import { createLogger } from "./logging/logger.js";
import { createConnectorEngine, type ConnectorEngine, type ConnectorEngineOptions } from "./connector-engine.js";
import { loadHooksBeside, type VendorHooks } from "./manifest/hooks.js";
import { throwOnErrors } from "./manifest/loader.js";
import type { ManifestProblem } from "./manifest/problems.js";
import { loadVendorCatalog, type VendorCatalogOptions } from "./manifest/vendor-catalog.js";

// Apart from connector-engine.ts: loading YAML and compiling the JSON Schema is for processes that read manifest
// files. A bundled handler gets definitions validated at build time and never imports this module.

export interface LoadEngineOptions extends Omit<ConnectorEngineOptions, "vendors" | "hooks">, VendorCatalogOptions {
  /**
   * The app's own manifest files or folders. The package's built-in vendors are loaded too (unless
   * `builtinVendors: false`); the app's manifests add vendors and replace built-in ones of the same id.
   */
  readonly vendorPaths?: readonly string[];
  /** Extra hooks; `<id>.hooks.js` beside a manifest is loaded too. */
  readonly hooks?: Readonly<Record<string, VendorHooks | undefined>>;
  /** Warnings of the manifests loaded: deprecated or retired (skipped) vendors, ids that differ from file names. */
  readonly onWarning?: (problem: ManifestProblem) => void;
}

/**
 * Loads and validates manifests (and their hooks) once, then builds the engine. Call once per process or Lambda
 * container. A retired vendor is skipped and reported through `onWarning` (default: a warn line of the JSON logger, see SYNHEART_LOG_LEVEL); any manifest
 * error throws ConnectorError("manifest_invalid") listing every problem.
 */
export async function loadConnectorEngine(options: LoadEngineOptions): Promise<ConnectorEngine> {
  const { vendors, warnings } = throwOnErrors(await loadVendorCatalog(options));
  const onWarning = options.onWarning ?? logWarning;
  for (const warning of warnings) onWarning(warning);
  const hooks: Record<string, VendorHooks | undefined> = { ...options.hooks };
  for (const vendor of vendors) hooks[vendor.id] ??= await loadHooksBeside(vendor);
  return createConnectorEngine({ ...options, vendors, hooks });
}

function logWarning(problem: ManifestProblem): void {
  createLogger().warn(problem.message, { kind: "manifest", file: problem.file, path: problem.path });
}
