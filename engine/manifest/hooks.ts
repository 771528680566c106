import { access } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConnectorError } from "../errors.js";
import type { VendorCredentials } from "./credentials.js";
import type { VendorDefinition } from "./vendor-definition.js";

export interface HookContext {
  readonly vendor: VendorDefinition;
  readonly credentials: VendorCredentials;
}

export interface HookRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly header: (name: string) => string | undefined;
  readonly rawBody: Uint8Array;
}

export interface HookResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * TypeScript for the few steps a manifest cannot say. Each hook overrides one step; everything else stays declarative.
 * Put them in `vendors/<id>.hooks.ts` (or .js once compiled) with `export default defineHooks({...})`, or pass them to the engine.
 */
export interface VendorHooks {
  /**
   * Runs before the manifest's handshakes; return undefined to let them answer. It runs before the request is
   * authenticated, on whatever anyone sends (up to `maxBodyBytes`): keep it cheap, and parse the body only when it
   * is small.
   */
  handshake?(request: HookRequest, context: HookContext): HookResponse | undefined | Promise<HookResponse | undefined>;
  /** Reshapes the verified, parsed body before the manifest's mappings see it. */
  beforeMapping?(body: unknown, context: HookContext): unknown;
}

export function defineHooks(hooks: VendorHooks): VendorHooks {
  return hooks;
}

const HOOK_EXTENSIONS = [".js", ".mjs", ".ts"];

/** Finds `<id>.hooks.{js,mjs,ts}` beside the manifest file. A .ts hook file needs a runtime that loads TypeScript. */
export async function loadHooksBeside(vendor: VendorDefinition): Promise<VendorHooks | undefined> {
  const folder = dirname(vendor.source);
  const stem = basename(vendor.source, extname(vendor.source));
  for (const extension of HOOK_EXTENSIONS) {
    const file = join(folder, `${stem}.hooks${extension}`);
    if (!(await access(file).then(() => true, () => false))) continue;
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      throw new ConnectorError("manifest_invalid", `${file}: could not load hooks: ${(error as Error).message}`, { vendor: vendor.id });
    }
    if (!loaded.default || typeof loaded.default !== "object") {
      throw new ConnectorError("manifest_invalid", `${file}: export default defineHooks({...})`, { vendor: vendor.id });
    }
    return loaded.default as VendorHooks;
  }
  return undefined;
}
