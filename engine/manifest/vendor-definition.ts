import type { VendorManifest } from "./manifest.generated.js";

export type { VendorManifest } from "./manifest.generated.js";

/** A validated, frozen manifest with its defaults applied. Expressions in it are already compiled (see expressions.ts). */
export interface VendorDefinition {
  readonly id: string;
  readonly manifest: DeepReadonly<VendorManifest>;
  /** File the manifest came from, for messages. */
  readonly source: string;
}

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
