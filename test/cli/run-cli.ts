import type { CliIo } from "../../engine/cli/io.js";
import { main } from "../../engine/cli/main.js";

/** Runs the CLI in this process, as `synheart-connector <argv>` would, and captures what it printed. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: process.cwd() };
  const code = await main([...argv], io);
  return { code, out: out.join("\n"), err: err.join("\n"), all: [...out, ...err].join("\n"), outLines: out };
}
