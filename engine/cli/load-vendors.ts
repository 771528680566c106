import { resolve } from "node:path";
import { loadManifestFiles } from "../manifest/loader.js";
import { formatProblem } from "../manifest/problems.js";
import { loadVendorCatalog, type VendorCatalog } from "../manifest/vendor-catalog.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { CliOption } from "./command.js";
import { UsageError, type CliIo } from "./io.js";

/** The flags of every command that loads manifests. */
export const vendorOptions = {
  vendors: {
    type: "string",
    multiple: true,
    value: "<folder or file>",
    description: "your own manifests: they add vendors and replace built-in ones of the same id",
  },
  "no-builtin": { type: "boolean", description: "leave out the vendors shipped with the package" },
  "allow-retired": { type: "boolean", description: "load vendors whose API is retired (skipped with a warning otherwise)" },
} as const satisfies Record<string, CliOption>;

export interface CommandVendorSelection {
  /** Exactly these files or folders (validate's and vendors' positionals): no built-ins. */
  readonly paths?: readonly string[];
  /** --vendors: added to the built-ins. */
  readonly vendors?: readonly string[];
  readonly noBuiltin?: boolean;
  readonly allowRetired?: boolean;
}

/** The manifests a command works on: the built-ins plus --vendors, or exactly the paths it was given. */
export async function loadCommandCatalog(io: CliIo, selection: CommandVendorSelection): Promise<VendorCatalog> {
  const options = { allowRetired: selection.allowRetired ?? false };
  if (selection.paths && selection.paths.length > 0) {
    const result = await loadManifestFiles(selection.paths.map((path) => resolve(io.cwd, path)), options);
    return { ...result, overridden: [] };
  }
  return loadVendorCatalog({
    ...options,
    vendorPaths: (selection.vendors ?? []).map((path) => resolve(io.cwd, path)),
    builtinVendors: !selection.noBuiltin,
  });
}

/**
 * Loads manifests for a command that needs them valid: any error fails the command. Warnings go to stderr when they
 * change what the command works with (a retired vendor skipped) or concern the one vendor it is about (`forVendor`).
 */
export async function loadVendorsForCommand(io: CliIo, selection: CommandVendorSelection, forVendor?: string): Promise<VendorCatalog> {
  const catalog = await loadCommandCatalog(io, selection);
  const source = forVendor === undefined
    ? undefined
    : (catalog.vendors.find((vendor) => vendor.id === forVendor)?.source ?? catalog.skipped.find((vendor) => vendor.id === forVendor)?.source ?? "");
  const skippedFiles = new Set(catalog.skipped.map((vendor) => vendor.source));
  for (const problem of catalog.problems) {
    const relevant = source === undefined ? skippedFiles.has(problem.file) : problem.file === source;
    if (problem.severity === "error" || relevant) io.err(formatProblem(problem));
  }
  const errors = catalog.problems.filter((p) => p.severity === "error").length;
  if (errors > 0) throw new UsageError(`the manifests have ${errors} error${errors === 1 ? "" : "s"}; run \`synheart-connector validate\``);
  return catalog;
}

/** Selection flags as parsed by parseCommandArgs. */
export function vendorSelection(values: Record<string, unknown>, paths: readonly string[] = []): CommandVendorSelection {
  return {
    paths,
    vendors: stringList(values.vendors),
    noBuiltin: values["no-builtin"] === true,
    allowRetired: values["allow-retired"] === true,
  };
}

export function findVendor(vendors: readonly VendorDefinition[], id: string | undefined, retired: readonly string[] = []): VendorDefinition {
  if (!id) throw new UsageError("name a vendor");
  const vendor = vendors.find((v) => v.id === id);
  if (!vendor && retired.includes(id)) throw new UsageError(`vendor "${id}" is retired and was skipped; --allow-retired loads it`);
  if (!vendor) throw new UsageError(`no vendor "${id.slice(0, 64)}" (known: ${vendors.map((v) => v.id).join(", ")})`);
  return vendor;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
}
