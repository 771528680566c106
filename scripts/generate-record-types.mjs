// Generates engine/records/records.generated.ts from schema/records/*.schema.json (health-record.schema.json names
// every record type). The schemas are the single source of truth; `--check` fails when the committed file has drifted.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const schemaFolder = new URL("../schema/records/", import.meta.url);
const outputPath = new URL("../engine/records/records.generated.ts", import.meta.url);

export async function generateRecordTypes() {
  const schema = JSON.parse(await readFile(new URL("health-record.schema.json", schemaFolder), "utf8"));
  return compile(schema, "HealthRecord", {
    bannerComment: "/* Generated from schema/records/*.schema.json by `npm run generate:types`. Do not edit by hand. */",
    cwd: fileURLToPath(schemaFolder),
    additionalProperties: false,
    unreachableDefinitions: false,
    maxItems: -1,
    style: { singleQuote: false, printWidth: 120 },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = await generateRecordTypes();
  if (process.argv.includes("--check")) {
    const committed = await readFile(outputPath, "utf8").catch(() => "");
    if (committed !== generated) {
      console.error("engine/records/records.generated.ts is out of date: run npm run generate:types");
      process.exit(1);
    }
  } else {
    await writeFile(outputPath, generated);
  }
}
