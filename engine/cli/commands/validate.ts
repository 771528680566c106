import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readWebhookFixtures } from "../../fixtures/fixture-file.js";
import { unreadFieldProblems } from "../../fixtures/payload-fields.js";
import { LIFECYCLE_PATH } from "../../manifest/loader.js";
import { formatProblem, type ManifestProblem } from "../../manifest/problems.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import type { CliIo } from "../io.js";
import { loadCommandCatalog, vendorOptions, vendorSelection } from "../load-vendors.js";

export const validateCommandSpec: CliCommand = {
  summary: "check manifests: every problem as file:line:col; exit 1 on any error",
  usage: "[files or folders...]",
  options: {
    ...vendorOptions,
    strict: { type: "boolean", description: "fail (exit 1) on lifecycle warnings too: a deprecated or retired vendor API" },
    "no-fixtures": { type: "boolean", description: "skip the fixture payload check (fixtures/<vendor>.yaml beside a manifest)" },
  },
  details: [
    "Without files or folders: the vendors shipped with the package plus --vendors, exactly what the engine loads.",
    "A retired vendor is skipped with a warning when loading; validate says so, and --strict makes it a failure.",
    "Checks: schema, JSONata, templates and settings, signature consistency; with a fixture file beside a manifest",
    "(fixtures/<vendor>.yaml), also warns about fields its mappings read that no fixture payload has.",
  ].join("\n"),
  run: validateCommand,
};

/** `validate [files or folders...]`: every problem as file:line:col; exit 1 on any error (and lifecycle warnings with --strict). */
export async function validateCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(validateCommandSpec, args);
  const strict = values.strict === true;
  const result = await loadCommandCatalog(io, vendorSelection(values, positionals));
  const problems: ManifestProblem[] = [...result.problems];
  if (values["no-fixtures"] !== true) {
    for (const vendor of result.vendors) {
      const file = join(dirname(vendor.source), "fixtures", `${vendor.id}.yaml`);
      if (!(await access(file).then(() => true, () => false))) continue;
      try {
        problems.push(...(await unreadFieldProblems(vendor, await readWebhookFixtures(file))));
      } catch (error) {
        problems.push({ severity: "warning", file, line: 1, column: 1, path: "", message: `fixtures not read: ${(error as Error).message}` });
      }
    }
  }
  const failing = (problem: { severity: string; path: string }) => problem.severity === "error" || (strict && problem.path === LIFECYCLE_PATH);
  for (const problem of problems) {
    if (failing(problem) && problem.severity === "warning") io.err(`${formatProblem(problem).replace(": warning: ", ": error (--strict): ")}`);
    else (problem.severity === "error" ? io.err : io.out)(formatProblem(problem));
  }
  for (const { id, builtin, by } of result.overridden) io.out(`${by}: replaces the built-in ${id} (${builtin})`);
  const errors = problems.filter(failing).length;
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? "" : "s"}`);
    return 1;
  }
  const skipped = result.skipped.length > 0 ? `; ${result.skipped.length} skipped (retired): ${result.skipped.map((v) => v.id).join(", ")}` : "";
  io.out(`${result.vendors.length} manifest${result.vendors.length === 1 ? "" : "s"} valid: ${result.vendors.map((v) => v.id).join(", ")}${skipped}`);
  return 0;
}
