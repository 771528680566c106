import { createConnectorEngine, type ConnectorEngine, type ConnectorEngineOptions } from "./connector-engine.js";
import { loadHooksBeside, type VendorHooks } from "./manifest/hooks.js";
import { loadVendors, type LoadOptions } from "./manifest/loader.js";
import type { ManifestProblem } from "./manifest/problems.js";

// Apart from connector-engine.ts: loading YAML and compiling the JSON Schema is for processes that read manifest
// files. A bundled handler gets definitions validated at build time and never imports this module.

export interface LoadEngineOptions extends Omit<ConnectorEngineOptions, "vendors" | "hooks">, LoadOptions {
  /** Manifest files or folders. Default: vendors/. */
  readonly vendorPaths?: readonly string[];
  /** Extra hooks; `<id>.hooks.js` beside a manifest is loaded too. */
  readonly hooks?: Readonly<Record<string, VendorHooks | undefined>>;
  readonly onWarning?: (problem: ManifestProblem) => void;
}

/** Loads and validates manifests (and their hooks) once, then builds the engine. Call once per process or Lambda container. */
export async function loadConnectorEngine(options: LoadEngineOptions): Promise<ConnectorEngine> {
  const { vendors, warnings } = await loadVendors(options.vendorPaths ?? ["vendors"], options);
  for (const warning of warnings) options.onWarning?.(warning);
  const hooks: Record<string, VendorHooks | undefined> = { ...options.hooks };
  for (const vendor of vendors) hooks[vendor.id] ??= await loadHooksBeside(vendor);
  return createConnectorEngine({ ...options, vendors, hooks });
}
