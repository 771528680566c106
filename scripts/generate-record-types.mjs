// Generates from schema/records/*.schema.json (health-record.schema.json names every record type):
//  - engine/records/records.generated.ts: the TypeScript types;
//  - engine/records/record-validators.generated.ts: ajv's standalone validators, one per record type, compiled here
//    once so that no bundle carries the ajv compiler or compiles a schema at start-up.
// The schemas are the single source of truth; `--check` fails when a committed file has drifted.
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import { compile } from "json-schema-to-typescript";
import { validatorModule, withInlinedCodePointLength, writeOrCheck } from "./generated-files.mjs";

const schemaFolder = new URL("../schema/records/", import.meta.url);
const typesPath = new URL("../engine/records/records.generated.ts", import.meta.url);
const validatorsPath = new URL("../engine/records/record-validators.generated.ts", import.meta.url);

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

/**
 * minLength and maxLength count code points, which ajv counts over the whole string each time. A string has at most
 * as many code points as UTF-16 units and at least half as many, so its length alone settles the check for nearly
 * every string (a non-empty one is at least 1 code point long; one of 512 units at most 512): the count runs only
 * when the length cannot tell.
 */
function withLengthShortcuts(code) {
  const names = [...code.matchAll(/const (func\d+) = ucs2length;/g)].map((match) => match[1]);
  for (const name of names) {
    code = code.replace(new RegExp(`${name}\\((data\\d+)\\) ([<>]) (\\d+)`, "g"), (_, data, comparison, limit) =>
      comparison === ">" ? `(${data}.length > ${limit} && ${name}(${data}) > ${limit})` : `(${data}.length < ${2 * Number(limit)} && ${name}(${data}) < ${limit})`,
    );
    if (new RegExp(`${name}\\((?!data\\d+\\) [<>] \\d+)`).test(code.replace(/const func\d+ = ucs2length;/g, ""))) {
      throw new Error(`a code point count this script does not shortcut: ${name}`);
    }
  }
  return code;
}

/**
 * Errors keep their instancePath, keyword, params and message and leave schemaPath empty: compiled from the
 * dereferenced schemas, a schema path would name the inlined copy, not a place in schema/records, and the strings
 * (one per check) were a seventh of the file that every process loading the records path parses.
 */
function withoutSchemaPaths(code) {
  return code.replace(/schemaPath:"(?:[^"\\]|\\.)*"/g, 'schemaPath:""');
}

function withoutProse(value) {
  if (Array.isArray(value)) return value.map(withoutProse);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !((key === "description" || key === "title") && typeof inner === "string"))
      .map(([key, inner]) => [key, withoutProse(inner)]),
  );
}

/**
 * A schema with every `$ref` replaced by what it points to (in this file or another of schema/records), so ajv
 * inlines all of it: ajv inlines only referenced schemas that hold no `$ref` themselves and calls the others as
 * functions, with an options object and a path string built per call (per sample of a series). Validity and the
 * errors' instance paths, keywords and messages are the same; only their schema paths name the inlined place.
 */
function dereferenced(value, file, files, seen = []) {
  if (Array.isArray(value)) return value.map((item) => dereferenced(item, file, files, seen));
  if (value === null || typeof value !== "object") return value;
  if (typeof value.$ref === "string") {
    if (Object.keys(value).length !== 1) throw new Error(`${file}: a $ref with sibling keywords is not inlined by this script`);
    const [target = "", pointer = ""] = value.$ref.split("#");
    const targetFile = target === "" ? file : target;
    const key = `${targetFile}#${pointer}`;
    if (seen.includes(key)) throw new Error(`${file}: recursive $ref ${value.$ref} cannot be inlined`);
    let resolved = files.get(targetFile);
    if (resolved === undefined) throw new Error(`${file}: $ref to unknown file ${target}`);
    for (const part of pointer.split("/").slice(1)) resolved = resolved?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (resolved === undefined) throw new Error(`${file}: $ref ${value.$ref} points nowhere`);
    return dereferenced(resolved, targetFile, files, [...seen, key]);
  }
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "$defs").map(([key, inner]) => [key, dereferenced(inner, file, files, seen)]));
}

/**
 * `oneOf` checks every branch, so a valid time frame also fails the other two (two error objects per record). Where
 * the branches are objects that exclude one another by their required and allowed properties (for each pair, one
 * requires a property the other forbids), at most one can pass: `anyOf` is then the same test, stops at the branch
 * that passes, and reports the same errors, in the same order, when none does.
 */
function withExclusiveOneOfAsAnyOf(value) {
  if (Array.isArray(value)) return value.map(withExclusiveOneOfAsAnyOf);
  if (value === null || typeof value !== "object") return value;
  const result = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withExclusiveOneOfAsAnyOf(inner)]));
  if (Array.isArray(result.oneOf) && branchesExcludeOneAnother(result.oneOf)) {
    result.anyOf = result.oneOf;
    delete result.oneOf;
  }
  return result;
}

function branchesExcludeOneAnother(branches) {
  const closed = branches.every(
    (branch) => branch?.type === "object" && branch.additionalProperties === false && branch.patternProperties === undefined && Array.isArray(branch.required) && branch.properties,
  );
  const forbids = (branch, key) => !Object.hasOwn(branch.properties, key);
  return (
    closed &&
    branches.every((a, i) => branches.every((b, j) => i === j || a.required.some((key) => forbids(b, key)) || b.required.some((key) => forbids(a, key))))
  );
}

/**
 * A record's `id` is written by the engine alone (engine/records/record-id.ts; a mapping that sets one is refused),
 * and its form is pinned by test/records: the engine's validators check it is a string and leave the UUID pattern,
 * a regular expression run per record, to the schema's other readers. Everything a mapping writes is checked in full.
 */
function withEngineMadeId(schema, file) {
  const id = schema.properties?.id;
  if (id?.type !== "string" || typeof id.pattern !== "string" || Object.keys(id).length !== 2) throw new Error(`${file}: properties.id is not the RecordId this script expects`);
  return { ...schema, properties: { ...schema.properties, id: { type: "string" } } };
}

export async function generateRecordValidators() {
  const names = (await readdir(schemaFolder)).filter((name) => name.endsWith(".schema.json") && name !== "health-record.schema.json").sort();
  // Titles and descriptions are for people: validation does not read them, and the validators embed their schemas.
  const files = new Map(await Promise.all(names.map(async (name) => [name, withoutProse(JSON.parse(await readFile(new URL(name, schemaFolder), "utf8")))])));
  const schemas = [...files].filter(([, schema]) => schema.properties?.type?.const).map(([name, schema]) => withEngineMadeId(withExclusiveOneOfAsAnyOf(dereferenced(schema, name, files)), name));
  const ajv = new Ajv2020({ schemas, code: { source: true, esm: true, lines: false }, inlineRefs: true, unicodeRegExp: false, strict: true, strictTypes: false, strictRequired: false });
  const exports = Object.fromEntries(schemas.map((schema) => [schema.properties.type.const, schema.$id]));
  let code = standaloneCode.default(ajv, exports);
  code = withInlinedCodePointLength(code);
  code = withLengthShortcuts(code);
  code = withoutSchemaPaths(code);
  return validatorModule("schema/records/*.schema.json", code);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeOrCheck([
    [typesPath, await generateRecordTypes()],
    [validatorsPath, await generateRecordValidators()],
  ]);
}
