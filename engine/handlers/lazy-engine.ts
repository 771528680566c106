import type { ConnectorEngine } from "../connector-engine.js";

export type EngineSource = ConnectorEngine | Promise<ConnectorEngine> | (() => ConnectorEngine | Promise<ConnectorEngine>);

/**
 * The engine, created on first use and then shared by every invocation of this container (or process).
 * A failed creation is not cached: the next invocation tries again instead of failing forever.
 */
export function lazyEngine(source: EngineSource): () => Promise<ConnectorEngine> {
  let pending: Promise<ConnectorEngine> | undefined;
  return () => {
    pending ??= Promise.resolve(typeof source === "function" ? source() : source).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
