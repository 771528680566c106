// Random mutations of valid manifests never crash the loader: the result validates, or every problem is positioned
// (file:line:col) with a message. Mutations: drop, rename and retype fields; random strings into JSONata expressions
// and templates; random edits of the YAML text itself.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadManifestText, type LoadResult } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";

const FILES = ["whoop", "oura", "polar", "suunto", "garmin", "withings", "fitbit"].map((id) => `vendors/${id}.yaml`);
const RUNS = 40;

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value && typeof value === "object") for (const [key, inner] of Object.entries(value)) paths.push(...pathsOf(inner, [...prefix, key]));
  return paths;
}

const EXPRESSION_KEYS = new Set(["map", "match", "discriminator", "split", "body", "field"]);
const TEMPLATE_KEYS = new Set(["key", "signedContent", "path", "url", "equals", "secret", "text", "authorizeUrl", "tokenUrl", "baseUrl"]);

/** Strings meant to break expression compilers and template parsers. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "$", "$$", "(", ")", "{", "}", "{{", "}}", "{x", "x}", "[", "]", '"', "'", "..", "~>", "function(", "$sift(", "$eval('1')", "{ \"a\": }", "$string(", "**", "%", "\u0000", "\ud800", "{settings.}", "{../../etc}", "{clientSecret}", "a".repeat(5000)),
  fc.array(fc.constantFrom("$", "(", ")", "{", "}", "[", "]", ".", ",", ":", '"', "x", "1", " ", "?", "&", "function", "$string"), { maxLength: 30 }).map((parts) => parts.join("")),
);

const retyped = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant([]), fc.constant({}), fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));

type Mutation =
  | { kind: "drop"; pick: number }
  | { kind: "rename"; pick: number; name: string }
  | { kind: "retype"; pick: number; value: unknown }
  | { kind: "text"; pick: number; value: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), pick: fc.nat(), name: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "$ref", "")) }),
  fc.record({ kind: fc.constant("retype" as const), pick: fc.nat(), value: retyped }),
  fc.record({ kind: fc.constant("text" as const), pick: fc.nat(), value: hostileText }),
);

function apply(manifest: unknown, m: Mutation): void {
  const all = pathsOf(manifest);
  // "text" mutations aim at expressions and templates; the others at any field.
  const candidates = m.kind === "text" ? all.filter((p) => EXPRESSION_KEYS.has(String(p.at(-1))) || TEMPLATE_KEYS.has(String(p.at(-1)))) : all;
  const path = candidates[m.pick % candidates.length]!;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], manifest);
  const key = path.at(-1)!;
  if (m.kind === "drop") {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (m.kind === "rename") {
    if (Array.isArray(parent)) return;
    const value = parent[key];
    delete parent[key];
    Object.defineProperty(parent, m.name, { value, enumerable: true, writable: true, configurable: true });
  } else parent[key] = m.value;
}

function expectPositioned(result: LoadResult, file: string): void {
  const errors = result.problems.filter((p) => p.severity === "error");
  if (errors.length === 0) {
    expect(result.vendors).toHaveLength(1);
    return;
  }
  expect(result.vendors).toHaveLength(0);
  for (const problem of result.problems) {
    expect(problem.file).toBe(file);
    expect(Number.isInteger(problem.line) && problem.line >= 1, formatProblem(problem)).toBe(true);
    expect(Number.isInteger(problem.column) && problem.column >= 1, formatProblem(problem)).toBe(true);
    expect(problem.message.length).toBeGreaterThan(0);
    expect(formatProblem(problem)).toMatch(new RegExp(`^${file.replace(/[.]/g, "\\.")}:\\d+:\\d+: `));
  }
}

describe.each(FILES)("manifest mutations: %s", (file) => {
  const text = readFileSync(file, "utf8");
  const original = () => loadManifestText(text, file, { allowRetired: true });

  it("the unmutated manifest loads", () => {
    expect(original().problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
  });

  it("1-3 field mutations (drop / rename / retype / hostile expression or template) validate or give positioned problems", () => {
    const base = original().vendors[0]!.manifest;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const manifest = structuredClone(base) as unknown;
        for (const m of mutations) apply(manifest, m);
        const mutated = stringify(manifest);
        let result: LoadResult;
        try {
          result = loadManifestText(mutated, file, { allowRetired: true });
        } catch (error) {
          throw new Error(`loader threw ${(error as Error).name}: ${(error as Error).message}\nmutations: ${JSON.stringify(mutations)}`);
        }
        expectPositioned(result, file);
      }),
      { numRuns: RUNS },
    );
  });

  it("random edits of the YAML text give positioned problems, never a throw", () => {
    const edit = fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 20 }), insert: fc.oneof(hostileText, fc.constantFrom(":", "- ", "\n  ", "\t", "&a", "*a", "!!binary", "? ", "|", ">", "#", "---\n", "\n")) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let mutated = text;
        for (const e of edits) {
          const at = e.at % (mutated.length + 1);
          mutated = mutated.slice(0, at) + e.insert + mutated.slice(at + e.remove);
        }
        let result: LoadResult;
        try {
          result = loadManifestText(mutated, file, { allowRetired: true });
        } catch (error) {
          throw new Error(`loader threw ${(error as Error).name}: ${(error as Error).message}\nedits: ${JSON.stringify(edits)}`);
        }
        expectPositioned(result, file);
      }),
      { numRuns: RUNS },
    );
  });
});
