import { loadManifestFiles } from "../manifest/loader.js";
import { formatProblem } from "../manifest/problems.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import { UsageError, type CliIo } from "./io.js";

export const DEFAULT_VENDOR_PATHS = ["vendors"];

/** Loads manifests for a command that needs them valid; reports problems and fails on errors. */
export async function loadVendorsForCommand(io: CliIo, paths: readonly string[]): Promise<VendorDefinition[]> {
  const result = await loadManifestFiles(paths.length ? paths : DEFAULT_VENDOR_PATHS, { allowRetired: true });
  const errors = result.problems.filter((p) => p.severity === "error");
  for (const problem of errors) io.err(formatProblem(problem));
  if (errors.length > 0) throw new UsageError("the manifests have errors; run `synheart-connector validate`");
  return result.vendors;
}

export function findVendor(vendors: readonly VendorDefinition[], id: string | undefined): VendorDefinition {
  if (!id) throw new UsageError("name a vendor");
  const vendor = vendors.find((v) => v.id === id);
  if (!vendor) throw new UsageError(`no vendor "${id}" (known: ${vendors.map((v) => v.id).join(", ")})`);
  return vendor;
}
