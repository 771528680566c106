// The TypeScript blocks of README.md and docs/*.md compile, as written, against the built package (dist/ through its
// exports map, as an installed package resolves), with a strict consumer's settings. Libraries' declarations are not
// checked here (skipLibCheck): test/package/install.test.ts checks ours with skipLibCheck off, and checking express's,
// fastify's and the AWS SDK's again for every snippet tripled this test's time.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { SNIPPET_PRELUDE, STRICT_CONSUMER_OPTIONS, typeScriptBlocks } from "./code-blocks.js";

const run = promisify(execFile);
const root = process.cwd();
// Inside the package folder, so `@synheart/cloud-connector` resolves to this package by its own name (self-reference),
// hono, express and fastify come from its node_modules, and the blocks are ES modules (top-level await).
const work = mkdtempSync(join(root, ".docs-blocks-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("finds the snippets the README and the docs show", () => {
  const origins = typeScriptBlocks(root).map((block) => block.origin.split(":")[0]);
  expect(origins.filter((file) => file === "README.md").length).toBeGreaterThanOrEqual(4);
  expect(origins).toContain("docs/frameworks.md");
  expect(origins).toContain("docs/aws.md");
});

it("every ```ts block compiles against the built package (strict consumer settings)", async () => {
  const blocks = typeScriptBlocks(root);
  const files = blocks.map((block, index) => {
    const name = `block-${String(index).padStart(2, "0")}.ts`;
    writeFileSync(join(work, name), `// ${block.origin}\n${block.code}`);
    return name;
  });
  writeFileSync(join(work, "prelude.d.ts"), SNIPPET_PRELUDE);
  writeFileSync(join(work, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...STRICT_CONSUMER_OPTIONS, skipLibCheck: true, typeRoots: [join(root, "node_modules/@types")] }, files: ["prelude.d.ts", ...files] }));
  const result = await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(work, "tsconfig.json")], { cwd: work }).catch((error: { stdout: string }) => error);
  const output = (result as { stdout: string }).stdout;
  // Name the README line in a failure, not the temporary file.
  const readable = output.replace(/block-(\d+)\.ts\((\d+),(\d+)\)/g, (_match, index: string, line: string) => {
    const [file, start] = blocks[Number(index)]!.origin.split(":");
    return `${file}:${Number(start) + Number(line) - 1}`;
  });
  expect(readable).toBe("");
}, 120_000);
