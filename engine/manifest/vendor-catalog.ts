import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConnectorError } from "../errors.js";
import { builtinVendorsDirectory } from "./builtin-vendors.js";
import { loadManifestFiles, type LoadOptions, type LoadResult } from "./loader.js";
import type { VendorDefinition } from "./vendor-definition.js";

export interface VendorCatalogOptions extends LoadOptions {
  /** The app's own manifest files or folders: they add vendors and replace built-in ones of the same id. */
  readonly vendorPaths?: readonly string[];
  /** Load the manifests shipped with the package. Default true. */
  readonly builtinVendors?: boolean;
}

export interface VendorCatalog extends LoadResult {
  /** Built-in vendors replaced by the app's manifest of the same id. */
  readonly overridden: readonly { readonly id: string; readonly builtin: string; readonly by: string }[];
}

/**
 * The vendors a process serves: the package's built-in manifests, then the app's own, which add vendors and override
 * built-ins by id. A retired vendor is skipped with a warning (unless allowRetired) and never blocks the others; a
 * manifest with errors is reported in `problems` and yields no vendor.
 */
export async function loadVendorCatalog(options: VendorCatalogOptions = {}): Promise<VendorCatalog> {
  const builtinFolder = builtinVendorsDirectory();
  const appPaths = (options.vendorPaths ?? []).map((path) => resolve(path));
  // An app folder that is the built-in folder (running inside this repository) is loaded once, as the app's.
  let withBuiltins = (options.builtinVendors ?? true) && !appPaths.includes(resolve(builtinFolder));
  // A bundle of the engine has no package folder beside it: then only the app's manifests exist.
  if (withBuiltins && !existsSync(builtinFolder)) {
    if (appPaths.length === 0) {
      throw new ConnectorError("manifest_invalid", `the built-in vendors are not at ${builtinFolder} (a bundled engine?): pass vendorPaths`);
    }
    withBuiltins = false;
  }
  const empty: LoadResult = { vendors: [], problems: [], skipped: [] };
  const builtin = withBuiltins ? await loadManifestFiles([builtinFolder], options) : empty;
  const app = appPaths.length > 0 ? await loadManifestFiles(appPaths, options) : empty;

  const appIds = new Set([...app.vendors.map((vendor) => vendor.id), ...app.skipped.map((vendor) => vendor.id)]);
  const builtinSources = new Map<string, string>([
    ...builtin.vendors.map((vendor) => [vendor.id, vendor.source] as const),
    ...builtin.skipped.map((vendor) => [vendor.id, vendor.source] as const),
  ]);
  const replacedFiles = new Set([...appIds].flatMap((id) => (builtinSources.has(id) ? [builtinSources.get(id)!] : [])));
  const overridden = [...appIds].flatMap((id) => {
    const by = app.vendors.find((vendor) => vendor.id === id)?.source ?? app.skipped.find((vendor) => vendor.id === id)?.source;
    const source = builtinSources.get(id);
    return source && by ? [{ id, builtin: source, by }] : [];
  });

  const vendors: VendorDefinition[] = [...builtin.vendors.filter((vendor) => !appIds.has(vendor.id)), ...app.vendors];
  return {
    vendors,
    problems: [...builtin.problems.filter((problem) => !replacedFiles.has(problem.file)), ...app.problems],
    skipped: [...builtin.skipped.filter((vendor) => !appIds.has(vendor.id)), ...app.skipped],
    overridden,
  };
}
