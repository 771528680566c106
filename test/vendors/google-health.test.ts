// Google Health API end to end: a Tink-signed UPSERT notification becomes a fetch of the data type's dataPoints list
// from a local API shaped as Google's reference documents it (Google OAuth with PKCE, GET /v4/users/me/identity,
// GET /v4/users/me/dataTypes/{type}/dataPoints), and the sink receives the normalized records of what was fetched.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { loadManifestText } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createJobProcessor, type EventDelivery } from "../../engine/queue/index.js";
import { receiveWebhook } from "../../engine/webhooks/ingest.js";
import { tinkPublicKeyset } from "../../engine/webhooks/tink-keyset.js";
import { drainJobs } from "../sync/support/harness.js";

const CLIENT = { clientId: "google-client", clientSecret: "google-secret" };
const HEALTH_USER_ID = "a1b2c3d4";
const KEY_ID = 20260524;
const NOW = Date.UTC(2026, 4, 25, 8, 0, 0);

/** The documented-shape samples of the records fixtures, by the data type whose list each one is. */
const fixture = parse(readFileSync("vendors/fixtures/google-health.records.yaml", "utf8")) as { cases: { name: string; response: unknown }[] };
const sample = (name: string) => fixture.cases.find((c) => c.name === name)!.response;
const LISTS: Record<string, unknown> = {
  sleep: sample("staged sleep with its hypnogram"),
  steps: sample("steps totalled per local day and source"),
};

interface GoogleApi {
  readonly url: string;
  readonly requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** Google's token endpoint (client_secret_post, PKCE), the identity and the dataPoints lists, bearer-checked. */
async function startGoogleApi(): Promise<GoogleApi> {
  const requests: GoogleApi["requests"] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://google.local");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    requests.push({ method: request.method ?? "", path: url.pathname, authorization: request.headers.authorization });
    const send = (status: number, json: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(json));
    };
    if (request.method === "POST" && url.pathname === "/token") {
      if (form.client_id !== CLIENT.clientId || form.client_secret !== CLIENT.clientSecret) return send(401, { error: "invalid_client" });
      if (form.grant_type !== "authorization_code" || form.code !== "google-code" || !/^[A-Za-z0-9._~-]{43,128}$/.test(form.code_verifier ?? "")) return send(400, { error: "invalid_grant" });
      return send(200, { access_token: "ya29.local", expires_in: 3599, refresh_token: "1//local", scope: "https://www.googleapis.com/auth/googlehealth.sleep.readonly", token_type: "Bearer" });
    }
    if (request.headers.authorization !== "Bearer ya29.local") return send(401, { error: { code: 401, status: "UNAUTHENTICATED" } });
    if (request.method === "GET" && url.pathname === "/v4/users/me/identity") return send(200, { name: "users/me/identity", healthUserId: HEALTH_USER_ID, legacyUserId: "2ABCDE" });
    const list = /^\/v4\/users\/me\/dataTypes\/([a-z-]+)\/dataPoints$/.exec(url.pathname);
    if (request.method === "GET" && list && LISTS[list[1]!]) return send(200, LISTS[list[1]!]);
    return send(404, { error: { code: 404, status: "NOT_FOUND" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The shipped manifest with Google's OAuth and API hosts pointed at the local API (no other edit). */
function googleHealthAt(url: string): VendorDefinition {
  const text = readFileSync("vendors/google-health.yaml", "utf8")
    .replace("https://accounts.google.com/o/oauth2/v2/auth", `${url}/auth`)
    .replace("https://oauth2.googleapis.com/token", `${url}/token`)
    .replace("https://oauth2.googleapis.com/revoke", `${url}/revoke`)
    .replace("https://health.googleapis.com", url);
  const result = loadManifestText(text, "google-health.yaml");
  expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
  return result.vendors[0]!;
}

function tinkSignature(privateKey: KeyObject, body: string): string {
  const prefix = Buffer.from([1, 0, 0, 0, 0]);
  prefix.writeUInt32BE(KEY_ID, 1);
  return Buffer.concat([prefix, sign("sha256", Buffer.from(body), privateKey)]).toString("base64");
}

describe("Google Health end to end: notification, dataPoints fetch, normalized records", () => {
  let api: GoogleApi;
  let engine: ConnectorEngine;
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const deliveries: EventDelivery[] = [];
  let drain: () => Promise<void>;

  beforeAll(async () => {
    api = await startGoogleApi();
    const backends = createMemoryBackends({ clock: () => NOW });
    const keyset = tinkPublicKeyset(keys.publicKey, KEY_ID);
    engine = createConnectorEngine({
      vendors: [googleHealthAt(api.url)],
      backends,
      clock: () => NOW,
      credentials: { "google-health": { ...CLIENT, settings: { endpointAuthorization: "Bearer subscriber-secret" } } },
      webhookKeyFetch: (async () => new Response(keyset)) as unknown as typeof fetch,
    });
    const process = createJobProcessor(engine, (delivery) => void deliveries.push(delivery));
    drain = async () => {
      await drainJobs(backends.jobQueue, process);
    };
    const google = engine.vendor("google-health");
    const { state } = await google.authorizationUrl({ userId: "alice", redirectUri: "https://connector.test/oauth/google-health/callback" });
    expect((await google.exchangeCode({ code: "google-code", state })).vendorUserId).toBe(HEALTH_USER_ID);
  });
  afterAll(async () => {
    await engine?.close();
    await api?.close();
  });

  async function notify(dataType: string, until = "2026-05-24T01:00:00"): Promise<EventDelivery[]> {
    const before = deliveries.length;
    const body = JSON.stringify({
      data: {
        clientProvidedSubscriptionName: "connector",
        healthUserId: HEALTH_USER_ID,
        dataType,
        operation: "UPSERT",
        civilIso8601TimeInterval: { startTime: "2026-05-23T23:00:00", endTime: until },
      },
    });
    const headers = { "content-type": "application/json", "x-healthapi-signature": tinkSignature(keys.privateKey, body) };
    const received = await receiveWebhook(engine, "google-health", { method: "POST", url: "/webhooks/google-health", headers, rawBody: body });
    expect([received.outcome, received.response.status]).toEqual(["accepted", 204]);
    await drain();
    return deliveries.slice(before);
  }

  it("a sleep notification fetches the sleep list and hands the sink its sleep session with stages and hypnogram", async () => {
    const [delivery, ...rest] = await notify("sleep");
    expect(rest).toEqual([]);
    expect(delivery).toMatchObject({ source: "webhook", userId: "alice", event: { type: "health_data.updated", userId: HEALTH_USER_ID, resourceId: "sleep" } });
    expect(api.requests.filter((r) => r.path.includes("/dataPoints")).map((r) => [r.method, r.path, r.authorization])).toEqual([
      ["GET", "/v4/users/me/dataTypes/sleep/dataPoints", "Bearer ya29.local"],
    ]);
    expect(delivery!.records).toEqual([
      expect.objectContaining({
        type: "sleep_session",
        provenance: expect.objectContaining({ vendor: "google-health", vendorUserId: HEALTH_USER_ID, source: "FITBIT", device: { name: "Pixel Watch 3", manufacturer: "Google" } }),
        effectiveTimeFrame: { startDateTime: "2026-05-24T03:10:00.000Z", endDateTime: "2026-05-24T04:40:00.000Z", utcOffset: "-04:00" },
        totalSleepTime: { value: 4800, unit: "s" },
      }),
    ]);
    expect((delivery!.records[0] as { segments: unknown[] }).segments).toHaveLength(4);
  });

  it("a steps notification gives one daily total per local day and source, the same ids when it comes again", async () => {
    const first = await notify("steps");
    const daily = first[0]!.records.map((record) => [record.type, (record as { effectiveTimeFrame?: { date?: string } }).effectiveTimeFrame?.date, (record as { steps?: number }).steps]);
    expect(daily).toEqual([
      ["daily_activity", "2026-05-23", 120],
      ["daily_activity", "2026-05-24", 175],
      ["daily_activity", "2026-05-24", 40],
    ]);
    // A later notification for the same days: its records keep their ids, so nothing doubles downstream.
    const again = await notify("steps", "2026-05-24T01:05:00");
    expect(again[0]!.records.map((record) => record.id)).toEqual(first[0]!.records.map((record) => record.id));
  });
});
