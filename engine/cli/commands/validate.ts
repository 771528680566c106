import { loadManifestFiles } from "../../manifest/loader.js";
import { formatProblem } from "../../manifest/problems.js";
import type { CliIo } from "../io.js";
import { DEFAULT_VENDOR_PATHS } from "../load-vendors.js";

/** `validate [files or folders...]`: every problem as file:line:col; exit 1 on any error. */
export async function validateCommand(io: CliIo, paths: readonly string[]): Promise<number> {
  const result = await loadManifestFiles(paths.length ? paths : DEFAULT_VENDOR_PATHS, { allowRetired: true });
  for (const problem of result.problems) (problem.severity === "error" ? io.err : io.out)(formatProblem(problem));
  const errors = result.problems.filter((p) => p.severity === "error").length;
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? "" : "s"}`);
    return 1;
  }
  io.out(`${result.vendors.length} manifest${result.vendors.length === 1 ? "" : "s"} valid: ${result.vendors.map((v) => v.id).join(", ")}`);
  return 0;
}
