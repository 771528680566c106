import { ConnectorError } from "../errors.js";
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

type OAuthPart = NonNullable<DeepReadonly<VendorManifest>["oauth"]>;
type WebhooksPart = NonNullable<DeepReadonly<VendorManifest>["webhooks"]>;

/** The manifest's `oauth`; a vendor without one cannot authorize users (not_supported). */
export function oauthOf(manifest: DeepReadonly<VendorManifest>): OAuthPart {
  if (!manifest.oauth) throw new ConnectorError("not_supported", `${manifest.id} declares no oauth`, { vendor: manifest.id });
  return manifest.oauth;
}

/** The manifest's `webhooks`; a vendor without one receives none (unknown_vendor at the webhook route). */
export function webhooksOf(manifest: DeepReadonly<VendorManifest>): WebhooksPart {
  if (!manifest.webhooks) throw new ConnectorError("unknown_vendor", `${manifest.id} receives no webhooks`, { vendor: manifest.id });
  return manifest.webhooks;
}
