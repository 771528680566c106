import { eventOf } from "../contracts/support.js";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/index.js";
import { ConnectorError } from "../../engine/errors.js";
import { startLocalServer, type LocalServer } from "../../engine/handlers/local-server.js";
import type { RequestLogEntry } from "../../engine/handlers/request-log.js";
import { credentialsFromEnv, type VendorCredentials } from "../../engine/manifest/credentials.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import type { Backends } from "../../engine/ports/backends.js";
import type { EventDelivery, JobReport } from "../../engine/queue/index.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { eventually, locationOf, rawRequest, temporaryDirectory } from "./support.js";

const ENV: Record<string, string> = {
  SYNHEART_ADMIN_TOKEN: "admin-token-for-the-e2e-test",
  SYNHEART_WHOOP_CLIENT_ID: "whoop-client",
  SYNHEART_WHOOP_CLIENT_SECRET: "whoop-secret-0123456789",
  SYNHEART_OURA_CLIENT_ID: "oura-client",
  SYNHEART_OURA_CLIENT_SECRET: "oura-secret-0123456789",
  SYNHEART_OURA_VERIFICATION_TOKEN: "oura-verification-token",
  SYNHEART_POLAR_CLIENT_ID: "polar-client",
  SYNHEART_POLAR_CLIENT_SECRET: "polar-secret",
  SYNHEART_POLAR_WEBHOOK_SECRET: "polar-webhook-secret",
  SYNHEART_GARMIN_CLIENT_ID: "garmin-consumer-key",
  SYNHEART_GARMIN_CLIENT_SECRET: "garmin-secret",
  SYNHEART_SUUNTO_CLIENT_ID: "suunto-client",
  SYNHEART_SUUNTO_CLIENT_SECRET: "suunto-secret",
  SYNHEART_SUUNTO_SUBSCRIPTION_KEY: "suunto-subscription",
  SYNHEART_SUUNTO_NOTIFICATION_SECRET: "suunto-notification-secret",
  SYNHEART_WITHINGS_CLIENT_ID: "withings-client",
  SYNHEART_WITHINGS_CLIENT_SECRET: "withings-secret",
  SYNHEART_WITHINGS_NOTIFY_IP_RANGES: "127.0.0.1/32",
  SYNHEART_DEXCOM_CLIENT_ID: "dexcom-client",
  SYNHEART_DEXCOM_CLIENT_SECRET: "dexcom-secret",
  SYNHEART_FITBIT_CLIENT_ID: "fitbit-client",
  SYNHEART_FITBIT_CLIENT_SECRET: "fitbit-secret",
  SYNHEART_FITBIT_VERIFY_CODE: "fitbit-verify-code",
  SYNHEART_GOOGLE_HEALTH_CLIENT_ID: "google-client",
  SYNHEART_GOOGLE_HEALTH_CLIENT_SECRET: "google-secret",
  SYNHEART_GOOGLE_HEALTH_ENDPOINT_AUTHORIZATION: "Bearer google-endpoint-secret",
  SYNHEART_STRAVA_CLIENT_ID: "strava-client",
  SYNHEART_STRAVA_CLIENT_SECRET: "strava-secret",
  SYNHEART_STRAVA_VERIFY_TOKEN: "strava-verify-token",
  SYNHEART_STRAVA_SUBSCRIPTION_ID: "120475",
  SYNHEART_WAHOO_CLIENT_ID: "wahoo-client",
  SYNHEART_WAHOO_CLIENT_SECRET: "wahoo-secret",
  SYNHEART_WAHOO_WEBHOOK_TOKEN: "wahoo-webhook-token",
  SYNHEART_TERRA_CLIENT_ID: "terra-dev-id",
  SYNHEART_TERRA_CLIENT_SECRET: "terra-api-key",
  SYNHEART_TERRA_API_KEY: "terra-api-key",
  SYNHEART_TERRA_SIGNING_SECRET: "terra-signing-secret",
};

const SAMPLES: Record<string, { file: string; contentType: string }> = {
  whoop: { file: "whoop/sleep-updated-v2.json", contentType: "application/json" },
  oura: { file: "oura/sleep-update.json", contentType: "application/json" },
  polar: { file: "polar/exercise.json", contentType: "application/json" },
  garmin: { file: "garmin/push-activities.json", contentType: "application/json" },
  suunto: { file: "suunto/workout-created.json", contentType: "application/json" },
  withings: { file: "withings/notification.txt", contentType: "application/x-www-form-urlencoded" },
  fitbit: { file: "fitbit/notification.json", contentType: "application/json" },
};

/** Credentials that sign (or identify) as someone else. */
function wrongCredentials(credentials: VendorCredentials): VendorCredentials {
  const settings = Object.fromEntries(Object.entries(credentials.settings).map(([name, value]) => [name, Array.isArray(value) ? ["wrong-secret"] : "wrong-secret"]));
  return { clientId: "not-our-client", clientSecret: "wrong-secret", settings };
}

/**
 * The embedded backends with a switch that makes the store fail, as a database outage would: the ingest commit fails
 * inside its transaction, and the queue's enqueue and ping fail.
 */
function switchableBackends(directory: string): { backends: Backends; setQueueDown(down: boolean): void } {
  let down = false;
  const real = createEmbeddedBackends({
    directory,
    env: {},
    ingestFaultHook: (step) => {
      if (down && step === "jobs-written") throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    },
  });
  const jobQueue = real.jobQueue;
  const backends: Backends = {
    ...real,
    jobQueue: {
      enqueue: (events) => (down ? Promise.reject(new Error("SQLITE_BUSY: database is locked")) : jobQueue.enqueue(events)),
      enqueueSync: (tasks) => jobQueue.enqueueSync(tasks),
      receive: (options) => jobQueue.receive(options),
      ack: (receipt) => jobQueue.ack(receipt),
      extendVisibility: (receipt, ms) => jobQueue.extendVisibility(receipt, ms),
      release: (receipt, delay) => jobQueue.release(receipt, delay),
      ping: () => (down ? Promise.reject(new ConnectorError("backend_unavailable", "the queue is down")) : jobQueue.ping()),
    },
    close: () => real.close(),
  };
  return { backends, setQueueDown: (value) => (down = value) };
}

describe("serve over real HTTP on 127.0.0.1", () => {
  const directory = temporaryDirectory();
  const logs: RequestLogEntry[] = [];
  const jobs: JobReport[] = [];
  const deliveries: EventDelivery[] = [];
  let server: LocalServer;
  let queue: ReturnType<typeof switchableBackends>;
  let definitions: Map<string, VendorDefinition>;

  beforeAll(async () => {
    queue = switchableBackends(directory.path);
    server = await startLocalServer({
      port: 0,
      sandbox: true,
      allowRetired: true,
      directory: directory.path,
      env: ENV,
      backends: queue.backends,
      logger: (entry) => logs.push(entry),
      jobLogger: () => {},
      onJob: (report) => jobs.push(report),
      onDelivery: (delivery) => deliveries.push(delivery),
      workerWaitMs: 50,
    });
    const loaded = await loadManifestFiles(["vendors"], { allowRetired: true });
    definitions = new Map(loaded.vendors.map((vendor) => [vendor.id, vendor]));
  });

  afterAll(async () => {
    await server?.close();
    directory.remove();
  });

  it("serves every shipped vendor and the sandbox", () => {
    expect(server.configured.map((vendor) => vendor.id).sort()).toEqual(["dexcom", "fitbit", "garmin", "google-health", "oura", "polar", "sandbox", "strava", "suunto", "terra", "wahoo", "whoop", "withings"]);
    expect(server.unconfigured).toEqual([]);
  });

  it("connects a user through the sandbox authorization server, then receives, queues, processes and fetches", async () => {
    // Without a connect link (or an authorize hook) nobody starts a flow for a user id.
    const unproven = await fetch(`${server.origin}/oauth/sandbox/start?userId=user-42`, { redirect: "manual" });
    expect(unproven.status).toBe(403);
    const started = await fetch(server.connectUrl("sandbox", "user-42"), { redirect: "manual" });
    expect(started.status).toBe(302);
    const consentPage = started.headers.get("location")!;
    const cookie = started.headers.getSetCookie()[0]!.split(";")[0]!;
    expect(new URL(consentPage).searchParams.get("code_challenge_method")).toBe("S256");
    const html = await (await fetch(consentPage)).text();
    const approve = /id="approve" href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&");
    const callback = await locationOf(approve);
    expect(new URL(callback).pathname).toBe("/oauth/sandbox/callback");
    const finished = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(finished.status).toBe(200);
    expect(await server.engine.vendor("sandbox").connectionStatus("user-42")).toMatchObject({ status: "active", vendorUserId: "sbx-alice" });

    // The same callback again: the state is single-use.
    const again = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("state_invalid");

    const sent = await server.sandbox!.sendWebhook({ type: "sleep.updated" });
    expect(sent.status).toBe(202);
    const delivery = await eventually(() => deliveries.find((d) => d.event.resourceId === sent.resourceId), 5000, "the delivery");
    expect(delivery.userId).toBe("user-42");
    expect(delivery.data).toMatchObject({ id: sent.resourceId, user_id: "sbx-alice", stages: expect.any(Object) });
    const lines = readFileSync(server.deliveriesFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { event: { resourceId: string } });
    expect(lines.some((line) => line.event.resourceId === sent.resourceId)).toBe(true);

    const pushed = await server.sandbox!.sendWebhook({ type: "workout.created" });
    expect(pushed.status).toBe(202);
    const workout = await eventually(() => deliveries.find((d) => d.event.resourceId === pushed.resourceId), 5000, "the push delivery");
    expect(workout.data).toMatchObject({ sport: "running" });
  });

  it("answers 503 while the queue is down, acknowledges nothing, and takes the vendor's retry exactly once", async () => {
    expect(await (await fetch(`${server.origin}/readyz`)).json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" } });
    queue.setQueueDown(true);
    const notReady = await fetch(`${server.origin}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "unavailable", checks: { store: "ok", queue: "unavailable" } });
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    const failed = await server.sandbox!.sendWebhook({ type: "sleep.updated" });
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.response)).toEqual({ error: "unavailable" });
    queue.setQueueDown(false);

    const retried = await server.sandbox!.sendWebhook({ resend: failed });
    expect(retried.status).toBe(202);
    const replayed = await server.sandbox!.sendWebhook({ resend: failed });
    expect(replayed.status).toBe(409);
    await eventually(() => deliveries.find((d) => d.event.resourceId === failed.resourceId), 5000, "the retried delivery");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(deliveries.filter((d) => d.event.resourceId === failed.resourceId)).toHaveLength(1);
    expect(logs.some((entry) => entry.outcome === "unavailable" && entry.status === 503 && entry.vendor === "sandbox")).toBe(true);
  });

  it("revokes a connection with the admin token (and not without it, even from this machine) at the vendor and locally", async () => {
    const local = await fetch(`${server.origin}/connections/sandbox/user-42`, { method: "DELETE" });
    expect(local.status).toBe(403);
    const response = await fetch(`${server.origin}/connections/sandbox/user-42`, { method: "DELETE", headers: { authorization: `Bearer ${ENV.SYNHEART_ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: true, revokedAtVendor: true });
    expect(await server.engine.vendor("sandbox").connectionStatus("user-42")).toEqual({ status: "not_connected" });
  });

  describe.each(Object.keys(SAMPLES))("%s webhooks", (vendorId) => {
    const url = () => `${server.origin}/webhooks/${vendorId}`;
    const definition = () => definitions.get(vendorId)!;
    const credentials = () => credentialsFromEnv(definition().manifest, ENV)!;
    const sample = () => readFileSync(new URL(`../fixtures/payloads/${SAMPLES[vendorId]!.file}`, import.meta.url));
    const headersFor = (body: Uint8Array | string, as = credentials()) => ({ "content-type": SAMPLES[vendorId]!.contentType, ...signWebhook(definition(), as, body) });
    const jobsOf = () => jobs.filter((report) => eventOf(report.received.job).vendor === vendorId).length;
    const responses = () => ({ accepted: 200, replayed: 409, invalidSignature: 401, ...definition().manifest.webhooks!.responses });

    it("accepts a valid delivery, enqueues its events once, and answers a replay without enqueuing again", async () => {
      const body = sample();
      const headers = headersFor(body);
      const first = await rawRequest(url(), { headers, body });
      expect(first.status).toBe(responses().accepted);
      const processed = await eventually(() => (jobsOf() > 0 ? jobsOf() : undefined), 5000, `${vendorId} jobs`);
      // No user is connected for these vendor users: each job ends skipped (not_connected), which is still processed.
      expect(jobs.filter((r) => eventOf(r.received.job).vendor === vendorId).every((r) => r.result === "completed")).toBe(true);

      const replay = await rawRequest(url(), { headers, body });
      expect(replay.status).toBe(responses().replayed);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(jobsOf()).toBe(processed);
      const entry = logs.filter((line) => line.vendor === vendorId && line.route === "/webhooks/:vendor").at(-1)!;
      expect(entry).toMatchObject({ outcome: "replayed", status: responses().replayed });
    });

    it("refuses a bad signature or an untrusted sender with the manifest's status", async () => {
      const body = Buffer.concat([sample(), Buffer.from(" ")]);
      const forged = vendorId === "withings"
        ? await rawRequest(url(), { headers: headersFor(body), body, localAddress: "127.0.0.2" })
        : await rawRequest(url(), { headers: headersFor(body, wrongCredentials(credentials())), body });
      expect(forged.status).toBe(responses().invalidSignature);
      expect(forged.body).not.toContain("secret");
    });

    it("refuses a correctly signed body that is not text (400)", async () => {
      const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
      const response = await rawRequest(url(), { headers: headersFor(body), body });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ error: "malformed_body" });
    });

    it("refuses a body over the limit with 413 before reading it", async () => {
      const limit = definition().manifest.webhooks!.maxBodyBytes ?? 1_048_576;
      const body = Buffer.alloc(limit + 1, 0x20);
      const response = await rawRequest(url(), { headers: { "content-type": "application/json", "content-length": String(body.byteLength) }, body });
      expect(response.status).toBe(413);
    });
  });

  it("answers the subscription handshakes the manifests declare", async () => {
    expect((await fetch(`${server.origin}/webhooks/fitbit?verify=fitbit-verify-code`)).status).toBe(204);
    expect((await fetch(`${server.origin}/webhooks/fitbit?verify=wrong`)).status).toBe(404);
    const oura = await fetch(`${server.origin}/webhooks/oura?verification_token=oura-verification-token&challenge=abc123`);
    expect(oura.status).toBe(200);
    expect(await oura.json()).toEqual({ challenge: "abc123" });
    const ping = await fetch(`${server.origin}/webhooks/polar`, { method: "POST", body: JSON.stringify({ event: "PING", timestamp: "2026-01-01T00:00:00Z" }) });
    expect(ping.status).toBe(200);
    expect((await fetch(`${server.origin}/webhooks/whoop`)).status).toBe(405);
  });

  it("refuses unknown vendors and path tricks before any lookup, and never logs secrets", async () => {
    for (const path of ["/webhooks/nope", "/webhooks/WHOOP", "/webhooks/..%2f..%2fetc%2fpasswd", "/webhooks/whoop%00", "/oauth/../start"]) {
      const response = await rawRequest(`${server.origin}${path}`, { body: "{}" });
      expect([404]).toContain(response.status);
    }
    const serialized = JSON.stringify(logs);
    for (const value of Object.values(ENV)) if (value.includes("secret") || value.includes("token")) expect(serialized).not.toContain(value);
    expect(serialized).not.toContain("user-42");
    expect(logs.every((entry) => typeof entry.latencyMs === "number" && entry.kind === "request")).toBe(true);
  });
});
