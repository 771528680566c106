import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import type { Backends } from "../../engine/ports/backends.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";

/** Credentials for every shipped vendor; secrets the attacker does not know. */
export const SHIPPED_CREDENTIALS: Readonly<Record<string, VendorCredentials>> = {
  whoop: { clientId: "whoop-client", clientSecret: "whoop-secret-0123456789", settings: {} },
  oura: { clientId: "oura-client", clientSecret: "oura-secret-0123456789", settings: { verificationToken: "oura-verify-token" } },
  polar: { clientId: "polar-client", clientSecret: "polar-secret", settings: { webhookSecret: ["polar-webhook-secret"] } },
  suunto: { clientId: "suunto-client", clientSecret: "suunto-secret", settings: { subscriptionKey: "apim-key", notificationSecret: ["suunto-notification-secret"] } },
  garmin: { clientId: "3f9a2c1e-garmin-consumer-key", clientSecret: "garmin-client-secret", settings: {} },
  withings: { clientId: "withings-client", clientSecret: "withings-secret", settings: { notifyIpRanges: ["89.30.121.0/24"] } },
  fitbit: { clientId: "23ABCD", clientSecret: "fitbit-secret", settings: { verifyCode: "fitbit-verify-code" } },
  "google-health": { clientId: "google-client.apps.googleusercontent.com", clientSecret: "google-secret", settings: { endpointAuthorization: "Bearer google-endpoint-secret" } },
  strava: { clientId: "12345", clientSecret: "strava-secret", settings: { verifyToken: "strava-verify-token", subscriptionId: "120475" } },
  wahoo: { clientId: "wahoo-client", clientSecret: "wahoo-secret", settings: { webhookToken: "wahoo-webhook-token" } },
  terra: { clientId: "terra-dev-id", clientSecret: "terra-secret", settings: { apiKey: "terra-api-key", signingSecret: ["terra-signing-secret"] } },
};

export async function loadDefinitions(paths: readonly string[]): Promise<VendorDefinition[]> {
  const result = await loadManifestFiles(paths, { allowRetired: true });
  expect(result.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
  return result.vendors;
}

/** The connector as deployed: embedded SQLite backends, the fetch handler behind node:http on a free port. */
export interface ConnectorServer {
  readonly origin: string;
  readonly engine: ConnectorEngine;
  readonly backends: Backends;
  close(): Promise<void>;
}

export async function startConnector(vendors: readonly VendorDefinition[], credentials: Readonly<Record<string, VendorCredentials>>): Promise<ConnectorServer> {
  const directory: TempDirectory = makeTempDirectory("synheart-security-");
  const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
  const engine = createConnectorEngine({ vendors: [...vendors], backends, credentials });
  const server: Server = createServer(toNodeListener(createFetchHandler(engine, { logger: () => {} })));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    engine,
    backends,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      directory.remove();
    },
  };
}

/** Every job waiting in the queue (received, so each test should start from an empty queue). */
export async function queuedJobs(backends: Backends) {
  return backends.jobQueue.receive({ waitMs: 0, maxJobs: 10 });
}
