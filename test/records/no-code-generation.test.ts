import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { bundleForChild, repoRoot } from "../support/bundle-for-child.js";

// Hosts that forbid code generation from strings (Node's --disallow-code-generation-from-strings, some edge
// runtimes) get JSONata's evaluation of every mapping instead of generated code: the same records.
it("maps every records fixture correctly where code generation from strings is disallowed", async () => {
  const child = await bundleForChild(`${repoRoot}/test/records/support/fixtures-child.ts`, "records-child", "fixtures");
  const run = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, child, repoRoot], { encoding: "utf8" })) as { generated: number; passed: number; failed: number };
  const disallowed = run(["--disallow-code-generation-from-strings"]);
  const allowed = run([]);
  expect(allowed.generated).toBeGreaterThan(0);
  expect(disallowed.generated).toBe(0);
  expect(disallowed.failed).toBe(0);
  expect(disallowed.passed).toBe(allowed.passed);
  expect(allowed.failed).toBe(0);
}, 60_000);
