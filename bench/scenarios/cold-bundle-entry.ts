// What a bundled deployment imports for the cold-start measurement: the engine and in-memory ports only (no SQLite
// native module), every npm dependency inlined by esbuild. Used until `synheart-connector build` exists, and beside it.
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import type { Backends } from "../../engine/ports/backends.js";

export { loadConnectorEngine } from "../../engine/load-engine.js";

export function createBackends(): Backends {
  return createMemoryBackends();
}
