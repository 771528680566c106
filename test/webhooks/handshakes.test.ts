// Handshakes that match on request values and on HEAD: Withings' HEAD probe of the callback URL, value matching on
// the query and on a small body, and a POST handshake needing `when`.
import { beforeAll, describe, expect, it } from "vitest";
import { defineVendor } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { Harness, loadVendor } from "../vendors/support.js";

describe("Withings HEAD probe", () => {
  let definition: VendorDefinition;
  beforeAll(async () => {
    definition = await loadVendor("vendors/withings.yaml");
  });

  it("answers HEAD with 200 and no body; a GET is still no handshake", async () => {
    const h = new Harness(definition, { clientId: "c", clientSecret: "s", settings: { notifyIpRanges: ["89.30.121.0/24"] } }, 0);
    expect(await h.handshake({ method: "HEAD", url: "/webhooks/withings" })).toEqual({ status: 200, headers: {}, body: "" });
    expect(await h.handshake({ method: "GET", url: "/webhooks/withings" })).toBeUndefined();
  });
});

describe("value matching", () => {
  const manifest = (handshakes: unknown[]) => ({
    id: "hs",
    displayName: "handshakes",
    settings: { secret: {} },
    oauth: { authorizeUrl: "https://a.example/auth", tokenUrl: "https://a.example/token", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: "https://api.example.com" },
    webhooks: {
      body: "json",
      signature: { scheme: "shared-secret", header: "Authorization", secret: "{settings.secret}" },
      handshakes,
      events: { discriminator: "type", mappings: [{ type: "sleep.updated", on: ["sleep.updated"], delivery: "push", map: '{ "userId": $string(user_id) }' }] },
    },
  });
  const credentials = { clientId: "c", clientSecret: "s", settings: { secret: "Bearer s3cret" } };

  it("body.equals matches top-level values of a small body, exactly", async () => {
    const definition = defineVendor(manifest([{ name: "v", method: "POST", when: { body: { equals: { type: "verification" } } }, respond: { status: 201 } }]));
    const h = new Harness(definition, credentials, 0);
    expect(await h.handshake({ method: "POST", rawBody: '{"type":"verification"}' })).toMatchObject({ status: 201 });
    for (const rawBody of ['{"type":"Verification"}', '{"kind":"verification"}', '[{"type":"verification"}]', "type=verification", "", `{"type":"verification","pad":"${"x".repeat(5000)}"}`]) {
      expect(await h.handshake({ method: "POST", rawBody })).toBeUndefined();
    }
  });

  it("a POST handshake without `when` is refused at load time", () => {
    expect(() => defineVendor(manifest([{ name: "all", method: "POST", respond: { status: 200 } }]))).toThrow(/POST handshake needs `when`/);
  });
});

describe("handshake outcomes in the receive pipeline", () => {
  it("an answered handshake is logged as one; a refused one (wrong token) as a rejection", async () => {
    const { createConnectorEngine } = await import("../../engine/connector-engine.js");
    const { createMemoryBackends } = await import("../../engine/backends/embedded/index.js");
    const { receiveWebhook } = await import("../../engine/webhooks/ingest.js");
    const strava = await loadVendor("vendors/strava.yaml");
    const engine = createConnectorEngine({
      vendors: [strava],
      backends: createMemoryBackends(),
      credentials: { strava: { clientId: "c", clientSecret: "s", settings: { verifyToken: "STRAVA", subscriptionId: "1" } } },
    });
    const answered = await receiveWebhook(engine, "strava", { method: "GET", url: "/webhooks/strava?hub.mode=subscribe&hub.challenge=x&hub.verify_token=STRAVA", headers: {}, rawBody: "" });
    expect([answered.outcome, answered.response.status]).toEqual(["handshake", 200]);
    const refused = await receiveWebhook(engine, "strava", { method: "GET", url: "/webhooks/strava?hub.mode=subscribe&hub.challenge=x&hub.verify_token=NO", headers: {}, rawBody: "" });
    expect([refused.outcome, refused.response.status]).toEqual(["rejected", 403]);
  });
});
