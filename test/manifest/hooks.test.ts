import { createHmac } from "node:crypto";
import { expect, it } from "vitest";
import { MemoryReplayCache } from "../../engine/backends/embedded/index.js";
import { loadHooksBeside } from "../../engine/manifest/hooks.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { createWebhookProcessor } from "../../engine/webhooks/index.js";

it("hooks beside a manifest override only their step", async () => {
  const { vendors } = await loadVendors(["test/fixtures/hooks/acme.yaml"]);
  const acme = vendors[0]!;
  const hooks = await loadHooksBeside(acme);
  expect(hooks?.handshake).toBeTypeOf("function");
  const processor = createWebhookProcessor({
    vendors,
    credentials: { acme: { clientId: "id", clientSecret: "secret", settings: {} } },
    replayCache: new MemoryReplayCache(),
    hooks: { acme: hooks },
  });

  const answer = await processor.handshake("acme", { method: "GET", url: "/webhooks/acme?nonce=n1", headers: {}, rawBody: "" });
  expect(answer).toEqual({ status: 200, headers: { "content-type": "text/plain" }, body: createHmac("sha256", "secret").update("n1").digest("hex") });
  expect(await processor.handshake("acme", { method: "GET", url: "/webhooks/acme", headers: {}, rawBody: "" })).toBeUndefined();

  const body = JSON.stringify({ envelope: { kind: "sleep", owner: "u-7", payload: { score: 88 } } });
  const signature = createHmac("sha256", "secret").update(body).digest("hex");
  const result = await processor.verifyAndParse("acme", { headers: { "x-acme-signature": signature }, rawBody: body });
  expect(result.ok && result.events[0]).toMatchObject({ type: "sleep.updated", userId: "u-7", data: { score: 88 } });
});

it("a manifest without a hooks file has none", async () => {
  const { vendors } = await loadVendors(["vendors/whoop.yaml"]);
  expect(await loadHooksBeside(vendors[0]!)).toBeUndefined();
});
