// Vendors that sign nothing: anyone who knows the public trust value (Garmin's client id is in every authorization
// redirect) can send a delivery. It must not flood the store, and its events must say they are unverified.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createJobProcessor, processAvailableJobs, type EventDelivery } from "../../engine/queue/index.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { rawRequest } from "../e2e/support.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { loadDefinitions, queuedJobs, SHIPPED_CREDENTIALS, startConnector, type ConnectorServer } from "./support.js";

const GARMIN_CLIENT_ID = SHIPPED_CREDENTIALS.garmin!.clientId;
/** What a forger sends: the client id is public, so the trust check passes. */
const forgedGarminHeaders = { "content-type": "application/json", "garmin-client-id": GARMIN_CLIENT_ID };

function dailies(count: number, user = "garmin-user-1"): string {
  const items = Array.from({ length: count }, (_, i) => `{"userId":"${user}","summaryId":"x${i}","startTimeInSeconds":${1763510400 + i}}`);
  return `{"dailies":[${items.join(",")}]}`;
}

let definitions: VendorDefinition[];
let connector: ConnectorServer;

beforeAll(async () => {
  definitions = await loadDefinitions(["vendors", "test/fixtures/vendors/unsigned-capped.yaml"]);
  const capped = { "unsigned-capped": { clientId: "capped-client", clientSecret: "capped-secret", settings: {} } };
  connector = await startConnector(definitions, { ...SHIPPED_CREDENTIALS, ...capped });
});
afterAll(async () => {
  await connector?.close();
});
afterEach(async () => {
  for (let jobs = await queuedJobs(connector.backends); jobs.length > 0; jobs = await queuedJobs(connector.backends)) {
    for (const { receipt } of jobs) await connector.backends.jobQueue.ack(receipt);
  }
});

describe("a forged Garmin flood is refused before it is stored", () => {
  const garminUrl = () => `${connector.origin}/webhooks/garmin`;

  it("the 15 MiB delivery of 230,000 summaries is refused with 413 and stores nothing", async () => {
    const body = dailies(230_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(15 * 1_048_576);
    const response = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: "body_too_large" });
    expect(await queuedJobs(connector.backends)).toEqual([]);
  });

  it("a body under the size limit holding more events than maxEventsPerDelivery is refused with 413 and stores nothing", async () => {
    const body = dailies(20_000);
    expect(Buffer.byteLength(body)).toBeLessThan(2 * 1_048_576);
    const response = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: "too_many_events" });
    expect(await queuedJobs(connector.backends)).toEqual([]);
    // Not remembered as seen: sent again it is refused again, not answered as a replay.
    expect((await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body })).status).toBe(413);
  });

  it("summaries wrapped in inner lists (which would send the mapping off its fast path into JSONata) are refused", async () => {
    const flat = JSON.parse(dailies(2001)).dailies as unknown[];
    for (const nested of [[flat], Array.from({ length: 667 }, (_, i) => flat.slice(i * 3, i * 3 + 3))]) {
      const response = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: JSON.stringify({ dailies: nested }) });
      // Over 64 KiB the JSONata evaluator is not run for a vendor that signs nothing (400); smaller, the count refuses it.
      expect([[400, "mapping_failed"], [413, "too_many_events"]]).toContainEqual([response.status, JSON.parse(response.body).error]);
    }
    const small = JSON.stringify({ dailies: Array.from({ length: 4 }, () => Array.from({ length: 501 }, () => ({ userId: "u" }))) });
    expect(Buffer.byteLength(small)).toBeLessThan(65_536);
    const response = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: small });
    expect({ status: response.status, body: JSON.parse(response.body) }).toEqual({ status: 413, body: { error: "too_many_events" } });
    expect(await queuedJobs(connector.backends)).toEqual([]);
  });

  it("a large forged body whose shape needs the JSONata evaluator is refused; Garmin's own shapes map without it", async () => {
    const ids = "[" + Array(200).fill("1").join(",") + "]";
    const odd = `{"dailies":[${Array(1900).fill(`{"userId":${ids},"summaryId":"s","startTimeInSeconds":1}`).join(",")}]}`;
    expect(Buffer.byteLength(odd)).toBeGreaterThan(65_536);
    const refused = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: odd });
    expect({ status: refused.status, body: JSON.parse(refused.body) }).toEqual({ status: 400, body: { error: "mapping_failed" } });
    expect(await queuedJobs(connector.backends)).toEqual([]);
    // A real batch of the same size, pings and summaries, is mapped by the compiled expressions.
    const callbackURL = "https://apis.garmin.com/wellness-api/rest/epochs?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2&token=t";
    const batch = JSON.stringify({
      epochs: Array.from({ length: 900 }, (_, i) => ({ userId: `user-${i}`, callbackURL: `${callbackURL}${i}` })),
      dailies: JSON.parse(dailies(900)).dailies,
    });
    expect(Buffer.byteLength(batch)).toBeGreaterThan(65_536);
    const accepted = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: batch });
    expect(JSON.parse(accepted.body)).toEqual({ status: "accepted", events: 1800 });
  });

  it("the cap counts events across summary types, and a batch within it is accepted", async () => {
    const twoTypes = (each: number) => JSON.stringify({ ...JSON.parse(dailies(each)), sleeps: JSON.parse(dailies(each, "garmin-user-2")).dailies });
    expect((await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: twoTypes(1001) })).status).toBe(413);
    expect(await queuedJobs(connector.backends)).toEqual([]);
    const accepted = await rawRequest(garminUrl(), { headers: forgedGarminHeaders, body: twoTypes(3) });
    expect(accepted.status).toBe(200);
    expect(JSON.parse(accepted.body)).toEqual({ status: "accepted", events: 6 });
  });
});

describe("maxEventsPerDelivery (fixture vendor, cap 3)", () => {
  const url = () => `${connector.origin}/webhooks/unsigned-capped`;
  const headers = { "content-type": "application/json", "x-example-client": "capped-client" };
  const sleep = (id: number) => ({ type: "sleep", user: "u1", id });

  it("a split list over the cap is refused before any item is mapped, matched or not", async () => {
    expect((await rawRequest(url(), { headers, body: JSON.stringify({ notifications: [1, 2, 3, 4].map(sleep) }) })).status).toBe(413);
    const unmatched = [1, 2, 3, 4].map((id) => ({ type: "unknown", id }));
    expect((await rawRequest(url(), { headers, body: JSON.stringify({ notifications: unmatched }) })).status).toBe(413);
    expect(await queuedJobs(connector.backends)).toEqual([]);
  });

  it("one notification mapping to more events than the cap is refused; exactly the cap is accepted", async () => {
    const steps = (count: number) => ({ type: "steps", entries: Array.from({ length: count }, (_, i) => ({ user: `u${i}`, steps: i })) });
    expect((await rawRequest(url(), { headers, body: JSON.stringify({ notifications: [steps(4)] }) })).status).toBe(413);
    expect((await rawRequest(url(), { headers, body: JSON.stringify({ notifications: [sleep(1), steps(3)] }) })).status).toBe(413);
    expect(await queuedJobs(connector.backends)).toEqual([]);
    const accepted = await rawRequest(url(), { headers, body: JSON.stringify({ notifications: [sleep(1), steps(2)] }) });
    expect(JSON.parse(accepted.body)).toEqual({ status: "accepted", events: 3 });
  });

  it("the unsigned POST handshake matches its declared fields on a small body only", async () => {
    const check = { kind: "endpoint-check", version: 2, nonce: "n-1" };
    const answered = await rawRequest(url(), { body: JSON.stringify(check) });
    expect({ status: answered.status, body: answered.body }).toEqual({ status: 200, body: "ok" });
    for (const body of [{ ...check, version: "2" }, { ...check, extra: 1 }, { kind: "endpoint-check" }, { ...check, nonce: "n".repeat(300) }]) {
      // Not a handshake: an unsigned delivery without the trust header.
      expect({ body, status: (await rawRequest(url(), { body: JSON.stringify(body) })).status }).toEqual({ body, status: 401 });
    }
  });
});

describe("events say whether the vendor authenticated them", () => {
  it("Garmin events are unverified, Suunto's signed events verified, and the sink is told", async () => {
    const garminPush = JSON.stringify({ dailies: [{ userId: "garmin-user-1", summaryId: "d-1", startTimeInSeconds: 1763510400, steps: 9000 }] });
    const garminPing = JSON.stringify({ sleeps: [{ userId: "garmin-user-1", callbackURL: "https://apis.garmin.com/wellness-api/rest/sleeps?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2&token=t" }] });
    for (const body of [garminPush, garminPing]) {
      expect((await rawRequest(`${connector.origin}/webhooks/garmin`, { headers: forgedGarminHeaders, body })).status).toBe(200);
    }
    const suunto = definitions.find((d) => d.id === "suunto")!;
    const suuntoBody = JSON.stringify({ type: "SUUNTO_247_SLEEP_CREATED", username: "suunto-user-1", sleep: { quality: 80 } });
    const signed = { "content-type": "application/json", ...signWebhook(suunto, SHIPPED_CREDENTIALS.suunto!, suuntoBody) };
    expect((await rawRequest(`${connector.origin}/webhooks/suunto`, { headers: signed, body: suuntoBody })).status).toBe(200);

    const jobs = await queuedJobs(connector.backends);
    const byVendor = jobs.map(({ job }) => [job.event.vendor, job.event.delivery, job.event.authenticity]);
    expect(byVendor.sort()).toEqual([
      ["garmin", "fetch", "unverified"],
      ["garmin", "push", "unverified"],
      ["suunto", "push", "verified"],
    ]);
    for (const { receipt } of jobs) await connector.backends.jobQueue.release(receipt, 0);

    // Through the worker to the sink: the push events (the Garmin ping would need Garmin's API).
    await storeSealedConnection(connector.backends, { vendor: "garmin", userId: "our-user-g", vendorUserId: "garmin-user-1" });
    await storeSealedConnection(connector.backends, { vendor: "suunto", userId: "our-user-s", vendorUserId: "suunto-user-1" });
    const delivered: EventDelivery[] = [];
    const processor = createJobProcessor(connector.engine, (delivery) => {
      delivered.push(delivery);
    });
    const pushOnly = async (job: Parameters<typeof processor>[0]) => (job.event.delivery === "push" ? processor(job) : ({ status: "skipped", reason: "not_connected" } as const));
    await processAvailableJobs(connector.backends.jobQueue, pushOnly, { retry: { baseMs: 0 } });
    expect(delivered.map((d) => [d.userId, d.authenticity, d.event.authenticity]).sort()).toEqual([
      ["our-user-g", "unverified", "unverified"],
      ["our-user-s", "verified", "verified"],
    ]);
  });

  it("a forged Garmin ping can only name a callbackURL on Garmin's API host", async () => {
    const body = JSON.stringify({ sleeps: [{ userId: "garmin-user-1", callbackURL: "https://attacker.example/wellness-api/rest/sleeps?token=t" }] });
    const response = await rawRequest(`${connector.origin}/webhooks/garmin`, { headers: forgedGarminHeaders, body });
    expect(response.status).toBe(400);
    expect(await queuedJobs(connector.backends)).toEqual([]);
  });
});
