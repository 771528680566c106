// Per shipped vendor: credentials, a documented sample payload and how to make N distinct deliveries of it.
// Distinct bodies (or timestamps) are needed because every vendor has replay protection: a benchmark that sent one
// body N times would measure the "replayed" path, not ingest.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";

export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
export const WITHINGS_SOURCE_IP = "89.30.121.17";

export interface VendorFixture {
  readonly id: string;
  readonly credentials: VendorCredentials;
  /** Path under test/fixtures/payloads. */
  readonly payload: string;
  /** Substring of the payload replaced by a per-delivery unique value (every occurrence). */
  readonly vary?: string;
  /** Extra request headers (trust headers, content type). */
  readonly headers?: Record<string, string>;
  readonly sourceIp?: string;
  /** Retired vendors load only with allowRetired. */
  readonly retired?: boolean;
}

export const vendorFixtures: readonly VendorFixture[] = [
  {
    id: "whoop",
    credentials: { clientId: "whoop-client", clientSecret: "whoop-client-secret", settings: {} },
    payload: "whoop/sleep-updated-v2.json",
    vary: "e369c784-5100-49e8-8098-75d35c47b31b",
  },
  {
    id: "oura",
    credentials: { clientId: "oura-client", clientSecret: "oura-client-secret", settings: { verificationToken: "oura-verify" } },
    payload: "oura/sleep-update.json",
    vary: "12345abc",
  },
  {
    id: "polar",
    credentials: { clientId: "polar-client", clientSecret: "polar-client-secret", settings: { webhookSecret: ["polar-webhook-secret"] } },
    payload: "polar/exercise.json",
    vary: "aQlC83",
  },
  {
    id: "suunto",
    credentials: {
      clientId: "suunto-client",
      clientSecret: "suunto-client-secret",
      settings: { subscriptionKey: "apim-key", notificationSecret: ["suunto-notification-secret"] },
    },
    payload: "suunto/workout-created.json",
    vary: "67604889401b942184624cb8",
  },
  {
    id: "garmin",
    credentials: { clientId: "3f9a2c1e-garmin-consumer-key", clientSecret: "garmin-client-secret", settings: {} },
    payload: "garmin/push-activities.json",
    vary: "12345",
    headers: { "garmin-client-id": "3f9a2c1e-garmin-consumer-key", "content-type": "application/json" },
  },
  {
    id: "withings",
    credentials: { clientId: "withings-client", clientSecret: "withings-client-secret", settings: { notifyIpRanges: ["89.30.121.0/24"] } },
    payload: "withings/notification.txt",
    vary: "1530576000",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    sourceIp: WITHINGS_SOURCE_IP,
  },
  {
    id: "fitbit",
    credentials: { clientId: "23ABCD", clientSecret: "fitbit-client-secret", settings: { verifyCode: "fitbit-verify" } },
    payload: "fitbit/notification.json",
    vary: "1234",
    retired: true,
  },
];

/**
 * Shipped vendors that receive webhooks and are measured by the in-process ingest scenario only (the breakdown,
 * pre-auth and HTTP scenarios do not know their trust rules and structured headers yet). Google Health signs with a
 * key pair: not here yet.
 */
export const moreIngestFixtures: readonly VendorFixture[] = [
  {
    id: "terra",
    credentials: { clientId: "terra-dev-id", clientSecret: "terra-api-key", settings: { apiKey: "terra-api-key", signingSecret: ["terra-signing-secret"] } },
    payload: "structured-signature/activity.json",
    vary: "act_77",
  },
  {
    id: "strava",
    credentials: { clientId: "strava-client", clientSecret: "strava-client-secret", settings: { verifyToken: "strava-verify", subscriptionId: "120475" } },
    payload: "strava/activity-update.json",
    vary: "1360128428",
  },
  {
    id: "wahoo",
    credentials: { clientId: "wahoo-client", clientSecret: "wahoo-client-secret", settings: { webhookToken: "97661c16-6359-4854-9498-a49c07b8ae80" } },
    payload: "wahoo/workout-summary.json",
    vary: "56519",
  },
];

export function repoPath(...parts: string[]): string {
  return join(process.env.SYNHEART_REPO ?? process.cwd(), ...parts);
}

export function samplePayload(fixture: VendorFixture): string {
  return readFileSync(repoPath("test", "fixtures", "payloads", fixture.payload), "utf8");
}

/** The i-th distinct body: the sample with its varying part replaced by a unique value of the same shape. */
export function variantBody(fixture: VendorFixture, sample: string, i: number): string {
  if (!fixture.vary) return sample;
  const digitsOnly = /^\d+$/.test(fixture.vary);
  const unique = digitsOnly ? String(Number(fixture.vary) + i + 1) : uniqueLike(fixture.vary, i);
  return sample.split(fixture.vary).join(unique);
}

function uniqueLike(template: string, i: number): string {
  const width = Math.min(8, template.length);
  return template.slice(0, template.length - width) + i.toString(16).padStart(width, "0");
}
