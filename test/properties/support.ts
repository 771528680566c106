import { readFileSync } from "node:fs";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { ConnectorError } from "../../engine/errors.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { defineVendor, loadManifestFiles } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createWebhookProcessor, type WebhookProcessor, type WebhookResult } from "../../engine/webhooks/index.js";

export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

export interface SignedVendor {
  readonly file: string;
  readonly credentials: VendorCredentials;
  readonly payload: string;
  /** A JSON string value in the payload that can be replaced by any other word and still map. */
  readonly vary: string;
}

/** Every HMAC-signed manifest we have: the shipped ones and the Standard Webhooks fixture. */
export const hmacVendors: readonly SignedVendor[] = [
  { file: "vendors/whoop.yaml", credentials: { clientId: "w", clientSecret: "whoop-secret", settings: {} }, payload: "whoop/sleep-updated-v2.json", vary: "e369c784-5100-49e8-8098-75d35c47b31b" },
  { file: "vendors/oura.yaml", credentials: { clientId: "o", clientSecret: "oura-secret", settings: { verificationToken: "t" } }, payload: "oura/sleep-update.json", vary: "12345abc" },
  { file: "vendors/polar.yaml", credentials: { clientId: "p", clientSecret: "p", settings: { webhookSecret: ["polar-secret", "polar-old-secret"] } }, payload: "polar/exercise.json", vary: "aQlC83" },
  {
    file: "vendors/suunto.yaml",
    credentials: { clientId: "s", clientSecret: "s", settings: { subscriptionKey: "k", notificationSecret: ["suunto-secret"] } },
    payload: "suunto/workout-created.json",
    vary: "67604889401b942184624cb8",
  },
  { file: "vendors/fitbit.yaml", credentials: { clientId: "f", clientSecret: "fitbit-secret", settings: { verifyCode: "v" } }, payload: "fitbit/notification.json", vary: "228S74" },
  {
    file: "test/fixtures/vendors/standard-webhooks.yaml",
    credentials: { clientId: "sw", clientSecret: "sw", settings: { webhookSecret: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] } },
    payload: "standard-webhooks/sleep-updated.json",
    vary: "slp_01",
  },
  {
    file: "test/fixtures/vendors/structured-signature.yaml",
    credentials: { clientId: "ss", clientSecret: "ss", settings: { signingSecret: ["structured-secret", "older-secret"] } },
    payload: "structured-signature/activity.json",
    vary: "act_77",
  },
];

const definitions = new Map<string, VendorDefinition>();

export async function loadDefinition(file: string): Promise<VendorDefinition> {
  const cached = definitions.get(file);
  if (cached) return cached;
  const { vendors, problems } = await loadManifestFiles([file], { allowRetired: true });
  const vendor = vendors[0];
  if (!vendor) throw new Error(`${file}: ${problems.map((p) => p.message).join("; ")}`);
  definitions.set(file, vendor);
  return vendor;
}

export function payload(name: string): string {
  return readFileSync(new URL(`../fixtures/payloads/${name}`, import.meta.url), "utf8");
}

/** A fresh processor (fresh replay cache) at a fixed time. */
export function processorFor(definition: VendorDefinition, credentials: VendorCredentials, now = NOW): WebhookProcessor {
  return createWebhookProcessor({
    vendors: [definition],
    credentials: { [definition.id]: credentials },
    replayCache: createMemoryBackends({ clock: () => now }).replayCache,
    clock: () => now,
  });
}

/** A small manifest for schemes no shipped vendor uses (shared secret). */
export function sharedSecretVendor(): { definition: VendorDefinition; credentials: VendorCredentials } {
  const definition = defineVendor({
    id: "acme",
    displayName: "Acme",
    settings: { verifyToken: {} },
    oauth: {
      authorizeUrl: "https://acme.example/oauth/authorize",
      tokenUrl: "https://acme.example/oauth/token",
      clientAuth: "client_secret_basic",
      pkce: true,
      refreshToken: "rotating",
      userId: { from: "tokenResponse", field: "user_id" },
    },
    api: { baseUrl: "https://api.acme.example/v1" },
    webhooks: {
      body: "json",
      signature: { scheme: "shared-secret", header: "Authorization", prefix: "Bearer ", secret: "{settings.verifyToken}" },
      events: {
        discriminator: "type",
        mappings: [{ type: "sleep.updated", on: ["sleep.updated"], delivery: "push", map: '{ "userId": $string(user), "data": $ }' }],
      },
    },
  });
  return { definition, credentials: { clientId: "c", clientSecret: "s", settings: { verifyToken: "verify-me-0123456789" } } };
}

/** The codes a rejected delivery may carry; anything else (or a throw) is a bug. */
export const WEBHOOK_ERROR_CODES = new Set([
  "missing_header",
  "invalid_signature",
  "stale_timestamp",
  "untrusted_source",
  "replayed",
  "malformed_body",
  "body_too_large",
  "mapping_failed",
  "fetch_not_allowed",
]);

export function assertTyped(result: WebhookResult): void {
  if (result.ok) return;
  if (!(result.error instanceof ConnectorError) || !WEBHOOK_ERROR_CODES.has(result.error.code)) {
    throw new Error(`untyped or unexpected rejection: ${String(result.error?.code)} ${String(result.error?.message)}`);
  }
}
