import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface CodeBlock {
  /** e.g. README.md:212 (the line of the opening fence). */
  readonly origin: string;
  readonly code: string;
}

/** Every ```ts block of README.md and docs/*.md, in order. */
export function typeScriptBlocks(root: string): CodeBlock[] {
  const files = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
  const blocks: CodeBlock[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(?:ts|typescript)\s*$/.test(lines[i]!)) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
      blocks.push({ origin: `${file}:${start + 1}`, code: body.join("\n") + "\n" });
    }
  }
  return blocks;
}

/**
 * Names the snippets use without defining them: the app's own code (a session check, a database write) and values
 * an earlier snippet of the same page made. A snippet that defines one of them shadows this declaration.
 */
export const SNIPPET_PRELUDE = `import type { ConnectorEngine } from "@synheart/cloud-connector";
import type { FetchHandler } from "@synheart/cloud-connector/handlers";
declare global {
  const engine: ConnectorEngine;
  const handle: FetchHandler;
  const code: string;
  const state: string;
  const bindingFromCookie: string;
  function isSignedInAs(request: Request, userId: string): boolean;
  function makeEngine(): Promise<ConnectorEngine>;
  function saveReading(userId: string, type: string, eventId: string, data: unknown): Promise<void>;
  function deleteReading(userId: string, id: string): Promise<void>;
}
export {};
`;

/** A strict consumer's compiler options: what an adopter's project might well use. */
export const STRICT_CONSUMER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
  esModuleInterop: true,
  verbatimModuleSyntax: false,
};
