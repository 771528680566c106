import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";

const manifestFiles = readdirSync("vendors").filter((name) => name.endsWith(".yaml"));

describe("shipped vendor manifests", () => {
  it.each(manifestFiles)("%s validates with no errors", async (name) => {
    const result = await loadManifestFiles([`vendors/${name}`], { allowRetired: true });
    const errors = result.problems.filter((p) => p.severity === "error").map(formatProblem);
    expect(errors).toEqual([]);
    expect(result.vendors).toHaveLength(1);
  });

  it.each(manifestFiles)("%s starts with a yaml-language-server schema line", async (name) => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(`vendors/${name}`, "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schema/vendor-manifest.schema.json");
  });
});
