// Vendors without OAuth (Terra): a user linked through engine.linkUser gets the vendor's pushed events, delivered
// without a token; an unlinked user's events are skipped; OAuth vendors keep their own flow.
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createJobProcessor, type EventDelivery } from "../../engine/queue/job-processor.js";
import { receiveWebhook } from "../../engine/webhooks/ingest.js";
import { loadVendor } from "../vendors/support.js";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
let terra: VendorDefinition;
let whoop: VendorDefinition;
beforeAll(async () => {
  terra = await loadVendor("vendors/terra.yaml");
  whoop = await loadVendor("vendors/whoop.yaml");
});

function engineFor() {
  const backends = createMemoryBackends({ clock: () => NOW });
  return createConnectorEngine({
    vendors: [terra, whoop],
    backends,
    credentials: {
      terra: { clientId: "dev-id", clientSecret: "api-key", settings: { apiKey: "api-key", signingSecret: ["terra-secret"] } },
      whoop: { clientId: "w", clientSecret: "whoop-secret", settings: {} },
    },
    clock: () => NOW,
  });
}

function terraDelivery(userId: string) {
  const body = JSON.stringify({ type: "activity", user: { user_id: userId, provider: "GARMIN", reference_id: "ref" }, data: [{ metadata: { summary_id: "a1" } }] });
  const t = String(Math.floor(NOW / 1000));
  const v1 = createHmac("sha256", "terra-secret").update(`${t}.${body}`).digest("hex");
  return { method: "POST", headers: { "terra-signature": `t=${t},v1=${v1}` }, rawBody: body };
}

describe("vendors without OAuth", () => {
  it("delivers a linked user's pushed event to our user, without a token", async () => {
    const engine = engineFor();
    await engine.linkUser("terra", { userId: "our-user-7", vendorUserId: "terra-user-1" });
    expect((await receiveWebhook(engine, "terra", terraDelivery("terra-user-1"))).outcome).toBe("accepted");
    const delivered: EventDelivery[] = [];
    const process = createJobProcessor(engine, (delivery) => void delivered.push(delivery));
    const [received] = await engine.backends.jobQueue.receive();
    const job = received!.job;
    expect(await process(job)).toEqual({ status: "delivered", userId: "our-user-7" });
    expect(delivered.map((d) => [d.userId, d.event.type, d.event.userId])).toEqual([["our-user-7", "activity.created", "terra-user-1"]]);
  });

  it("skips events of a user nobody linked, or one unlinked since", async () => {
    const engine = engineFor();
    await engine.linkUser("terra", { userId: "our-user-8", vendorUserId: "terra-user-2" });
    expect(await engine.unlinkUser("terra", "our-user-8")).toBe(true);
    await receiveWebhook(engine, "terra", terraDelivery("terra-user-2"));
    const process = createJobProcessor(engine, () => undefined);
    const [received] = await engine.backends.jobQueue.receive();
    const job = received!.job;
    expect(await process(job)).toEqual({ status: "skipped", reason: "not_connected" });
  });

  it("relinking replaces the reference; an OAuth vendor refuses linkUser, and Terra refuses OAuth", async () => {
    const engine = engineFor();
    await engine.linkUser("terra", { userId: "u", vendorUserId: "old" });
    await engine.linkUser("terra", { userId: "u", vendorUserId: "new" });
    expect((await engine.connectionOfVendorUser("terra", "new"))?.userId).toBe("u");
    expect(await engine.connectionOfVendorUser("terra", "old")).toBeUndefined();
    await expect(engine.linkUser("whoop", { userId: "u", vendorUserId: "x" })).rejects.toMatchObject({ code: "not_supported" });
    await expect(engine.vendor("terra").authorizationUrl({ userId: "u", redirectUri: "https://app.example/cb" })).rejects.toMatchObject({ code: "not_supported" });
  });
});

describe("the user named in a header (events.userHeader)", () => {
  it("takes every event's user from the header and refuses a delivery without it", async () => {
    const { defineVendor } = await import("../../engine/manifest/loader.js");
    const { createWebhookProcessor } = await import("../../engine/webhooks/index.js");
    const definition = defineVendor({
      id: "hub",
      displayName: "aggregator naming the user in a header",
      settings: { secret: {} },
      api: { baseUrl: "https://api.hub.example" },
      webhooks: {
        body: "json",
        signature: { scheme: "shared-secret", header: "Authorization", secret: "{settings.secret}" },
        events: { userHeader: "X-Hub-User", discriminator: "kind", mappings: [{ type: "steps.created", on: ["steps"], delivery: "push", map: '{ "data": $ }' }] },
      },
    });
    const processor = createWebhookProcessor({
      vendors: [definition],
      credentials: { hub: { clientId: "c", clientSecret: "s", settings: { secret: "s3cret" } } },
      replayCache: createMemoryBackends().replayCache,
    });
    const ok = await processor.verifyAndParse("hub", { headers: { Authorization: "s3cret", "X-Hub-User": "hub-user-9" }, rawBody: '{"kind":"steps","n":1}' });
    expect(ok.ok ? ok.events.map((e) => [e.type, e.userId]) : ok.error.code).toEqual([["steps.created", "hub-user-9"]]);
    const missing = await processor.verifyAndParse("hub", { headers: { Authorization: "s3cret" }, rawBody: '{"kind":"steps","n":2}' });
    expect(missing.ok ? "accepted" : missing.error.code).toBe("mapping_failed");
  });
});
