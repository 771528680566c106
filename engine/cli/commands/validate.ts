import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { readWebhookFixtures } from "../../fixtures/fixture-file.js";
import { unreadFieldProblems } from "../../fixtures/payload-fields.js";
import { loadManifestFiles } from "../../manifest/loader.js";
import { formatProblem, type ManifestProblem } from "../../manifest/problems.js";
import type { CliIo } from "../io.js";
import { DEFAULT_VENDOR_PATHS } from "../load-vendors.js";

export const VALIDATE_USAGE = `validate [files or folders...] [--no-fixtures]
      check manifests (default: vendors/): schema, JSONata, templates and settings, signature consistency; prints
      every problem as file:line:col and exits 1 on any error. With a fixture file beside a manifest
      (fixtures/<vendor>.yaml), also warns about fields its mappings read that no fixture payload has.
      --no-fixtures   skip the fixture payload check`;

/** `validate [files or folders...]`: every problem as file:line:col; exit 1 on any error. */
export async function validateCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { "no-fixtures": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`usage: synheart-connector ${VALIDATE_USAGE}`);
    return 0;
  }
  const result = await loadManifestFiles(positionals.length ? positionals : DEFAULT_VENDOR_PATHS, { allowRetired: true });
  const problems: ManifestProblem[] = [...result.problems];
  if (!values["no-fixtures"]) {
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
  for (const problem of problems) (problem.severity === "error" ? io.err : io.out)(formatProblem(problem));
  const errors = problems.filter((p) => p.severity === "error").length;
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? "" : "s"}`);
    return 1;
  }
  io.out(`${result.vendors.length} manifest${result.vendors.length === 1 ? "" : "s"} valid: ${result.vendors.map((v) => v.id).join(", ")}`);
  return 0;
}
