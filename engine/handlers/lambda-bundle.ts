import { createConnectorEngine } from "../connector-engine.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { FetchHandlerOptions } from "./fetch-handler.js";
import { backendsFromEnvironment } from "./lambda-backends.js";
import { createLambdaHttpHandler, type LambdaHttpHandler } from "./lambda-http.js";

/**
 * The entry `synheart-connector build` bundles: manifests validated at build time and embedded as JSON, so a cold
 * container neither parses YAML nor compiles the JSON Schema. Credentials come from the environment as usual.
 * Without an `authorize` option, `/oauth/:vendor/start` accepts only connect links signed with
 * SYNHEART_CONNECT_LINK_KEY, and redirect URIs come from SYNHEART_PUBLIC_URL.
 */
export function createBundledLambdaHandler(definitions: readonly VendorDefinition[], options: FetchHandlerOptions = {}): LambdaHttpHandler {
  return createLambdaHttpHandler(async () => createConnectorEngine({ vendors: definitions, backends: await backendsFromEnvironment() }), {
    prefix: process.env.SYNHEART_HTTP_PREFIX ?? "",
    ...(process.env.SYNHEART_PUBLIC_URL ? { publicOrigin: process.env.SYNHEART_PUBLIC_URL } : {}),
    ...(process.env.SYNHEART_SUCCESS_URL ? { successUrl: process.env.SYNHEART_SUCCESS_URL } : {}),
    ...(process.env.SYNHEART_ERROR_URL ? { errorUrl: process.env.SYNHEART_ERROR_URL } : {}),
    ...options,
  });
}
