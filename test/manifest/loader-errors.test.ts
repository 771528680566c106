import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadManifestText } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";

const whoop = readFileSync("vendors/whoop.yaml", "utf8");

/** Replaces the first occurrence of `find` in the WHOOP manifest and loads the result as `whoop.yaml`. */
function loadEdited(find: string, replace: string, now?: Date) {
  expect(whoop).toContain(find);
  const text = whoop.replace(find, replace);
  return loadManifestText(text, "whoop.yaml", now ? { now } : {});
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split("\n").length;
}

describe("manifest problems are positioned as file:line:col", () => {
  it("an unknown field (a typo) points at the key", () => {
    const result = loadEdited("  pkce: false", "  pkec: false");
    const messages = result.problems.map(formatProblem);
    const line = lineOf(whoop, "  pkce: false");
    expect(messages).toContain(`whoop.yaml:${line}:3: unknown field "pkec" (at /oauth/pkec)`);
    expect(messages).toContain(`whoop.yaml:${lineOf(whoop, "oauth:") + 1}:3: missing required field "pkce" (at /oauth)`);
    expect(result.vendors).toEqual([]);
  });

  it("a wrong type points at the value", () => {
    const result = loadEdited("limit: 100,", 'limit: "lots",');
    const problem = result.problems.find((p) => p.path === "/api/rateLimits/windows/0/limit");
    expect(problem).toMatchObject({ severity: "error", line: lineOf(whoop, "limit: 100,"), message: "must be integer" });
  });

  it("an enum violation names the allowed values", () => {
    const result = loadEdited("clientAuth: client_secret_post", "clientAuth: private_key_jwt");
    expect(result.problems.map((p) => p.message)).toContain('must be one of "client_secret_basic", "client_secret_post"');
  });

  it("a missing required field names the field", () => {
    const result = loadEdited("  tokenUrl: https://api.prod.whoop.com/oauth/oauth2/token\n", "");
    expect(result.problems.map(formatProblem)).toContain(`whoop.yaml:${lineOf(whoop, "oauth:") + 1}:3: missing required field "tokenUrl" (at /oauth)`);
  });

  it("an invalid JSONata expression names the file, the field and the expression's error", () => {
    const result = loadEdited("discriminator: type", "discriminator: type ~> (");
    const problem = result.problems.find((p) => p.path === "/webhooks/events/discriminator");
    expect(problem?.line).toBe(lineOf(whoop, "discriminator: type"));
    expect(problem?.message).toMatch(/^invalid JSONata expression at character \d+: /);
  });

  it("a mistake inside one signature scheme is reported once, not as a failure of every scheme", () => {
    const result = loadEdited("    encoding: base64\n", "    encoding: base64\n    algorithmm: sha256\n");
    expect(result.problems.map((p) => p.message)).toEqual(['unknown field "algorithmm"']);
  });

  it("an unknown placeholder or undeclared setting is an error at the template", () => {
    const unknown = loadEdited('key: "{clientSecret}"', 'key: "{clientSecrett}"');
    expect(unknown.problems[0]?.message).toContain("{clientSecrett} cannot be used here");
    const undeclared = loadEdited('key: "{clientSecret}"', 'key: "{settings.webhookSecret}"');
    expect(undeclared.problems[0]?.message).toContain('refers to a setting that "settings" does not declare');
  });

  it("a signature that does not cover the body is refused", () => {
    const result = loadEdited('signedContent: "{timestamp}{body}"', 'signedContent: "{timestamp}"');
    expect(result.problems[0]?.message).toContain("signedContent must include {body}");
  });

  it("one event name taken by two mappings is an error", () => {
    const result = loadEdited("on: [sleep.updated]", "on: [workout.updated]");
    expect(result.problems.map((p) => p.message)).toContain('"workout.updated" is already taken by mapping 0');
  });

  it("YAML syntax errors and duplicate keys are positioned too", () => {
    const syntax = loadManifestText("id: whoop\ndisplayName: [unclosed\n", "bad.yaml");
    expect(syntax.problems[0]).toMatchObject({ file: "bad.yaml", severity: "error" });
    expect(syntax.problems[0]?.line).toBeGreaterThanOrEqual(2);
    const duplicate = loadEdited("displayName: WHOOP", "displayName: WHOOP\ndisplayName: Again");
    expect(duplicate.problems[0]?.message).toMatch(/^YAML: .*[Uu]nique|duplicate/i);
  });

  it("collects every problem of a file instead of stopping at the first", () => {
    const text = whoop.replace("  pkce: false", "  pkec: false").replace("limit: 100,", 'limit: "x",');
    const result = loadManifestText(text, "whoop.yaml");
    expect(result.problems.filter((p) => p.severity === "error").length).toBeGreaterThanOrEqual(3);
  });
});

describe("lifecycle", () => {
  const retired = "displayName: WHOOP\nlifecycle: { status: retired, effective: 2026-11-02, successor: Next API }";

  it("a retired API is skipped with a warning after its date unless allowed, and only warned about before it", () => {
    const after = loadEdited("displayName: WHOOP", retired, new Date("2026-11-25T00:00:00Z"));
    expect(after.vendors).toEqual([]);
    expect(after.skipped).toEqual([{ id: "whoop", source: "whoop.yaml", reason: "retired" }]);
    expect(after.problems).toHaveLength(1);
    expect(after.problems[0]).toMatchObject({ severity: "warning", path: "/lifecycle" });
    expect(after.problems[0]?.message).toContain("retired from 2026-11-02");
    expect(after.problems[0]?.message).toContain("skipped");

    const allowed = loadManifestText(whoop.replace("displayName: WHOOP", retired), "whoop.yaml", { allowRetired: true, now: new Date("2026-11-25") });
    expect(allowed.vendors).toHaveLength(1);
    expect(allowed.problems[0]?.severity).toBe("warning");

    const before = loadEdited("displayName: WHOOP", retired, new Date("2026-10-01T00:00:00Z"));
    expect(before.vendors).toHaveLength(1);
    expect(before.problems[0]).toMatchObject({ severity: "warning" });
    expect(before.problems[0]?.message).toContain("deprecated");
  });

  it("a file whose name differs from the id gets a warning", () => {
    const result = loadManifestText(whoop, "vendors/whoop-copy.yaml");
    expect(result.vendors).toHaveLength(1);
    expect(result.problems.map((p) => p.message)).toEqual(['id "whoop" differs from the file name "whoop-copy"']);
  });
});

it("loaded definitions are frozen", () => {
  const [vendor] = loadManifestText(whoop, "whoop.yaml").vendors;
  expect(Object.isFrozen(vendor!.manifest.webhooks!.events.mappings[0])).toBe(true);
  expect(vendor!.manifest.oauth!.scopeSeparator).toBe(" ");
});
