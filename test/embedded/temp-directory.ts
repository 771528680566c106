import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDirectory {
  readonly path: string;
  remove(): void;
}

export function makeTempDirectory(prefix = "synheart-embedded-"): TempDirectory {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
