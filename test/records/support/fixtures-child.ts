// Runs every records fixture and every shipped expression's compilation in a child process, printing a JSON summary:
// the test runs it with code generation from strings disallowed, as some hosts do.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { compileExpression } from "../../../engine/manifest/expressions.js";
import { loadVendors } from "../../../engine/manifest/loader.js";
import { runRecordFixtures } from "../../../engine/records/fixtures.js";

const root = process.argv[2]!;
const { vendors } = await loadVendors([join(root, "vendors")], { allowRetired: true });
let generated = 0;
for (const { manifest } of vendors) for (const mapping of manifest.records ?? []) if (compileExpression(mapping.map).compiled) generated++;
const folder = join(root, "vendors", "fixtures");
let passed = 0;
let failed = 0;
for (const file of (await readdir(folder)).filter((name) => name.endsWith(".records.yaml"))) {
  for (const result of (await runRecordFixtures(join(folder, file))).results) {
    if (result.passed) passed++;
    else failed++;
  }
}
process.stdout.write(JSON.stringify({ generated, passed, failed }));
