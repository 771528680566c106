import { readFileSync } from "node:fs";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import type { Backends } from "../../engine/ports/backends.js";
import { signWebhook } from "../../engine/webhooks/index.js";

export const WHOOP_CREDENTIALS: VendorCredentials = { clientId: "whoop-client", clientSecret: "whoop-secret-0123456789", settings: {} };

let whoop: VendorDefinition | undefined;
export async function whoopDefinition(): Promise<VendorDefinition> {
  whoop ??= (await loadManifestFiles(["vendors/whoop.yaml"])).vendors[0]!;
  return whoop;
}

/** An engine serving WHOOP on memory backends; `backends` lets a test replace a port. */
export async function whoopEngine(override: (backends: Backends) => Backends = (b) => b): Promise<ConnectorEngine & { backends: Backends }> {
  const backends = override(createMemoryBackends());
  return createConnectorEngine({ vendors: [await whoopDefinition()], backends, credentials: { whoop: WHOOP_CREDENTIALS } });
}

export function whoopSample(): Buffer {
  return readFileSync(new URL("../fixtures/payloads/whoop/sleep-updated-v2.json", import.meta.url));
}

export async function signedWhoop(body: Uint8Array | string = whoopSample()): Promise<Record<string, string>> {
  return { "content-type": "application/json", ...signWebhook(await whoopDefinition(), WHOOP_CREDENTIALS, body) };
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/apigw/${name}`, import.meta.url), "utf8")) as T;
}
