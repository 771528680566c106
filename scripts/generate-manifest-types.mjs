// Generates engine/manifest/manifest.generated.ts from schema/vendor-manifest.schema.json.
// The schema is the single source of truth; `--check` fails when the committed file has drifted.
import { readFile, writeFile } from "node:fs/promises";
import { compile } from "json-schema-to-typescript";

const schemaPath = new URL("../schema/vendor-manifest.schema.json", import.meta.url);
const outputPath = new URL("../engine/manifest/manifest.generated.ts", import.meta.url);

export async function generateManifestTypes() {
  const schema = JSON.parse(await readFile(schemaPath, "utf8"));
  return compile(schema, "VendorManifest", {
    bannerComment:
      "/* Generated from schema/vendor-manifest.schema.json by `npm run generate:types`. Do not edit by hand. */",
    additionalProperties: false,
    unreachableDefinitions: false,
    maxItems: -1,
    style: { singleQuote: false, printWidth: 120 },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = await generateManifestTypes();
  if (process.argv.includes("--check")) {
    const committed = await readFile(outputPath, "utf8").catch(() => "");
    if (committed !== generated) {
      console.error("engine/manifest/manifest.generated.ts is out of date: run npm run generate:types");
      process.exit(1);
    }
  } else {
    await writeFile(outputPath, generated);
  }
}
