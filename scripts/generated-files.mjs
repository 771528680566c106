// What the generate-* scripts share: ajv's standalone code made into a module that needs nothing of ajv at run time,
// and writing the generated files (or, with --check, failing when a committed one has drifted).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** ajv counts string lengths in code points through a CommonJS helper; the generated modules inline the same count. */
const CODE_POINT_LENGTH = `function ucs2length(text) {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    length++;
  }
  return length;
}
`;

/** ajv's standalone code calling the inlined `ucs2length` instead of requiring ajv's helper. */
export function withInlinedCodePointLength(code) {
  return code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, "ucs2length");
}

/** The module text of standalone validators: a banner naming `source`, `imports`, the code, and `ucs2length`. */
export function validatorModule(source, code, imports = []) {
  if (/require\(/.test(code)) throw new Error("a standalone validator needs an ajv runtime helper this script does not inline");
  return [
    "// @ts-nocheck",
    `/* Generated from ${source} by \`npm run generate:types\` (ajv standalone code). Do not edit by hand. */`,
    ...imports,
    code.replace(/^"use strict";/, ""),
    CODE_POINT_LENGTH,
  ].join("\n");
}

/** Writes each [URL, text]; with --check on the command line, exits 1 at the first committed file that differs. */
export async function writeOrCheck(outputs) {
  for (const [path, generated] of outputs) {
    if (process.argv.includes("--check")) {
      const committed = await readFile(path, "utf8").catch(() => "");
      if (committed !== generated) {
        console.error(`${fileURLToPath(path)} is out of date: run npm run generate:types`);
        process.exit(1);
      }
    } else {
      await writeFile(path, generated);
    }
  }
}
