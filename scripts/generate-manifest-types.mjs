// Generates from schema/vendor-manifest.schema.json:
//  - engine/manifest/manifest.generated.ts: the manifest's TypeScript types;
//  - engine/manifest/manifest-validator.generated.ts: ajv's standalone validator, compiled here, so loading a
//    manifest neither carries the schema compiler nor compiles the schema at start-up.
// The schema is the single source of truth; `--check` fails when a committed file has drifted.
import { readFile } from "node:fs/promises";
import { _ } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { compile } from "json-schema-to-typescript";
import { validatorModule, withInlinedCodePointLength, writeOrCheck } from "./generated-files.mjs";

const schemaPath = new URL("../schema/vendor-manifest.schema.json", import.meta.url);
const outputPath = new URL("../engine/manifest/manifest.generated.ts", import.meta.url);
const validatorPath = new URL("../engine/manifest/manifest-validator.generated.ts", import.meta.url);

/** The options the engine validates manifests with: every error, discriminated oneOfs, defaults filled in. */
export const MANIFEST_AJV_OPTIONS = { allErrors: true, strict: true, discriminator: true, strictRequired: false, strictTypes: false, useDefaults: true };
/** The formats the schema uses, as ajv-formats defines them ("full" mode). */
const FORMATS = ["date", "uri"];

export async function generateManifestValidator() {
  const schema = JSON.parse(await readFile(schemaPath, "utf8"));
  const ajv = new Ajv2020({ ...MANIFEST_AJV_OPTIONS, code: { source: true, esm: true, lines: false, formats: _`formats` } });
  addFormats.default(ajv, FORMATS);
  const code = withInlinedCodePointLength(standaloneCode.default(ajv, ajv.compile(schema)));
  const unknown = [...new Set(code.match(/formats\.\w+/g) ?? [])].filter((name) => !FORMATS.includes(name.slice("formats.".length)));
  if (unknown.length > 0) throw new Error(`the schema uses formats this script does not list: ${unknown.join(", ")}`);
  return validatorModule("schema/vendor-manifest.schema.json", code, [`import { fullFormats as formats } from "ajv-formats/dist/formats.js";`]);
}

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
  await writeOrCheck([
    [outputPath, await generateManifestTypes()],
    [validatorPath, await generateManifestValidator()],
  ]);
}
