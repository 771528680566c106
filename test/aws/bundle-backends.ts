// Bundles engine/backends/aws (the AWS SDK left external) into one .mjs that plain Node child processes can import.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleForChild, repoRoot } from "../support/bundle-for-child.js";

export async function bundleAwsBackends(): Promise<{ path: string; text: string }> {
  const path = await bundleForChild(join(repoRoot, "engine", "backends", "aws", "index.ts"), "synheart-aws-tests", "aws-backends");
  return { path, text: readFileSync(path, "utf8") };
}
