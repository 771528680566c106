import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { generateManifestTypes, generateManifestValidator } from "../../scripts/generate-manifest-types.mjs";

it("engine/manifest/manifest.generated.ts matches the schema (run npm run generate:types)", async () => {
  const committed = await readFile("engine/manifest/manifest.generated.ts", "utf8");
  expect(committed).toBe(await generateManifestTypes());
});

it("engine/manifest/manifest-validator.generated.ts matches the schema (run npm run generate:types)", async () => {
  const committed = await readFile("engine/manifest/manifest-validator.generated.ts", "utf8");
  expect(committed).toBe(await generateManifestValidator());
});
