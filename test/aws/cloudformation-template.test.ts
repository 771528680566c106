import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const template = join(repoRoot, "docs", "aws", "connector.cloudformation.yaml");
// cfn-lint comes with moto[server] into the test venv.
const cfnLint = join(repoRoot, ".venv-aws", "bin", "cfn-lint");

describe("docs/aws/connector.cloudformation.yaml", () => {
  it.skipIf(!existsSync(cfnLint))("passes cfn-lint", async () => {
    await expect(promisify(execFile)(cfnLint, [template])).resolves.toBeDefined();
  });

  it("declares the table layout the backends use", () => {
    const text = readFileSync(template, "utf8");
    for (const fragment of [
      "AttributeName: pk",
      "AttributeName: sk",
      "IndexName: gsi1",
      "AttributeName: ttl",
      "maxReceiveCount",
    ]) {
      expect(text).toContain(fragment);
    }
  });
});
