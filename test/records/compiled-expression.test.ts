import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadVendors } from "../../engine/manifest/loader.js";
import { compileExpression, evaluateExpression } from "../../engine/manifest/expressions.js";
import { compileMapping, FALLBACK } from "../../engine/manifest/expression-compiler.js";
import { RECORD_FUNCTIONS } from "../../engine/records/functions.js";
import { withLeafReplaced } from "./support/leaf-replacement.js";

interface FixtureCase {
  readonly name: string;
  readonly event?: string;
  readonly stream?: string;
  readonly response: unknown;
}

const { vendors } = await loadVendors(["vendors"], { allowRetired: true });
const FIXTURES = "vendors/fixtures";
const cases: { vendor: string; name: string; map: string; response: unknown }[] = [];
for (const file of (await readdir(FIXTURES)).filter((name) => name.endsWith(".records.yaml"))) {
  const fixture = parse(await readFile(join(FIXTURES, file), "utf8")) as { vendor: string; cases: FixtureCase[] };
  const manifest = vendors.find((vendor) => vendor.id === fixture.vendor)!.manifest;
  for (const testCase of fixture.cases) {
    for (const mapping of manifest.records ?? []) {
      const takes = testCase.event !== undefined ? mapping.events?.includes(testCase.event) : mapping.streams?.includes(testCase.stream ?? "");
      if (takes) cases.push({ vendor: fixture.vendor, name: testCase.name, map: mapping.map, response: testCase.response });
    }
  }
}

const BINDINGS = { ...RECORD_FUNCTIONS, event: { type: "x", userId: "u" } };

/** What an evaluation gives: the value, or that it threw (JSONata's errors and ours differ in wording, not in kind). */
async function outcome(run: () => unknown): Promise<{ value?: unknown; threw?: true }> {
  try {
    return { value: await run() };
  } catch (error) {
    if (error === FALLBACK) return { value: FALLBACK };
    return { threw: true };
  }
}

/** The payload with one leaf changed: removed, set to null, to a string, or to a number. */
function* mutations(value: unknown, path: (string | number)[] = []): Generator<{ path: string; payload: (root: unknown) => unknown }> {
  if (value === null || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    const at = [...path, key];
    for (const replacement of [undefined, null, "x", 7, []]) {
      yield {
        path: `${at.join("/")}=${JSON.stringify(replacement) ?? "removed"}`,
        payload: (root) => withLeafReplaced(root, at, replacement),
      };
    }
    yield* mutations(inner, at);
  }
}

describe("compiled record mappings agree with JSONata", () => {
  it.each(cases.map((c) => [`${c.vendor}: ${c.name}`, c] as const))("%s", async (_name, { map, response }) => {
    const compiled = compileMapping(compileExpression(map).jsonata.ast());
    expect(compiled, "every shipped records mapping compiles").toBeDefined();
    const fast = await outcome(() => compiled!(response, BINDINGS));
    expect(fast.value, "the documented sample needs no fallback").not.toBe(FALLBACK);
    const reference = await outcome(() => evaluateExpression(map, response, BINDINGS));
    if (fast.value !== FALLBACK) expect(fast).toEqual(reference);

    let compared = 0;
    for (const mutation of mutations(response)) {
      const payload = mutation.payload(response);
      const mutatedFast = await outcome(() => compiled!(payload, BINDINGS));
      if (mutatedFast.value === FALLBACK) continue;
      const mutatedReference = await outcome(() => evaluateExpression(map, payload, BINDINGS));
      expect(mutatedFast, mutation.path).toEqual(mutatedReference);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});
