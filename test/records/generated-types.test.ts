import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { generateRecordTypes, generateRecordValidators } from "../../scripts/generate-record-types.mjs";

it("engine/records/records.generated.ts matches schema/records (run npm run generate:types)", async () => {
  const committed = await readFile("engine/records/records.generated.ts", "utf8");
  expect(committed).toBe(await generateRecordTypes());
});

it("engine/records/record-validators.generated.ts matches schema/records (run npm run generate:types)", async () => {
  const committed = await readFile("engine/records/record-validators.generated.ts", "utf8");
  expect(committed).toBe(await generateRecordValidators());
});
