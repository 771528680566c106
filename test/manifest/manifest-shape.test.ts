import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allowedApiHosts, resolveApiBaseUrl } from "../../engine/api/base-url.js";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { loadManifestFiles, loadManifestText } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";

const credentials = (settings: Record<string, string> = {}) => ({ clientId: "id", clientSecret: "secret", settings });

async function loadFixture(name: string) {
  const result = await loadManifestFiles([`test/fixtures/manifests/${name}.yaml`]);
  expect(result.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
  return result.vendors[0]!;
}

describe("manifest shape: optional oauth and webhooks, base URL by setting", () => {
  it("a poll-only vendor (no webhooks) validates, and its webhook route does not exist", async () => {
    const vendor = await loadFixture("poll-only");
    expect(vendor.manifest.webhooks).toBeUndefined();
    const engine = createConnectorEngine({ vendors: [vendor], backends: createMemoryBackends(), credentials: { "poll-only": credentials() } });
    const result = await engine.verifyAndParse("poll-only", { method: "POST", headers: {}, rawBody: "{}" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("unknown_vendor");
    expect(await engine.handshake("poll-only", { method: "GET", headers: {}, rawBody: "" }).catch((error: unknown) => error)).toSatisfy((error: unknown) =>
      isConnectorError(error, "unknown_vendor"),
    );
    await engine.close();
  });

  it("a vendor without oauth validates; authorizing a user with it is not_supported", async () => {
    const vendor = await loadFixture("no-oauth");
    const engine = createConnectorEngine({ vendors: [vendor], backends: createMemoryBackends(), credentials: { "no-oauth": credentials() } });
    const error = await engine
      .vendor("no-oauth")
      .authorizationUrl({ userId: "u1", redirectUri: "https://app.example/callback" })
      .catch((caught: unknown) => caught);
    expect(isConnectorError(error, "not_supported")).toBe(true);
    await engine.close();
  });

  it("a vendor with neither webhooks nor sync streams is refused: no data could ever arrive", () => {
    const text = `id: nothing\ndisplayName: Nothing\napi: { baseUrl: "https://x.example" }\n`;
    const messages = loadManifestText(text, "nothing.yaml").problems.map(formatProblem);
    expect(messages.join("\n")).toMatch(/needs webhooks or sync streams/);
  });

  it("the API base URL follows the region setting; an unknown region is refused, never defaulted", async () => {
    const vendor = await loadFixture("poll-only");
    expect(resolveApiBaseUrl(vendor.manifest, credentials())).toBe("https://us.poll.example");
    expect(resolveApiBaseUrl(vendor.manifest, credentials({ region: "eu" }))).toBe("https://eu.poll.example");
    for (const bad of ["xx", "__proto__", "toString"]) {
      expect(() => resolveApiBaseUrl(vendor.manifest, credentials({ region: bad }))).toThrow(/must be one of us, eu/);
    }
    expect(allowedApiHosts(vendor.manifest.api)).toEqual(["us.poll.example", "eu.poll.example"]);
  });

  it("baseUrlBySetting must name a declared setting", () => {
    const text = [
      "id: regional",
      "displayName: Regional",
      "api:",
      "  baseUrl: https://a.example",
      "  baseUrlBySetting: { setting: region, urls: { a: https://a.example } }",
      "webhooks: { body: json, signature: { scheme: shared-secret, header: X-S, secret: '{clientSecret}' }, events: { mappings: [{ type: t, match: 'true', delivery: push, map: '{}' }] } }",
    ].join("\n");
    const messages = loadManifestText(text, "regional.yaml").problems.map(formatProblem);
    expect(messages.join("\n")).toMatch(/setting "region" is not declared/);
  });

  it("stream checks: unknown placeholders, missing record id, unknown stream names in uses", () => {
    const text = [
      "id: streams",
      "displayName: Streams",
      "api: { baseUrl: https://a.example }",
      "sync:",
      "  streams:",
      "    - name: a",
      "      request: { method: GET, path: '/x/{resourceId}', query: { s: '{window.start}' } }",
      "      records: data",
      "      window: { maxSeconds: 3600 }",
      "    - name: a",
      "      mode: request",
      "      request: { method: GET, path: /y }",
      "      pagination: { type: link }",
      "      window: { maxSeconds: 3600 }",
      "  backfill: { days: 3, streams: [b] }",
    ].join("\n");
    const messages = loadManifestText(text, "streams.yaml").problems.map(formatProblem).join("\n");
    expect(messages).toMatch(/\{resourceId\} cannot be used here/);
    expect(messages).toMatch(/needs `recordId`/);
    expect(messages).toMatch(/declared twice/);
    expect(messages).toMatch(/has no pages/);
    expect(messages).toMatch(/no stream named "b"/);
  });

  it("webhookSilence validates with webhooks and pull streams; without webhooks, without a threshold or on a request stream it is refused", async () => {
    const vendor = await loadFixture("webhook-silence");
    expect(vendor.manifest.sync?.webhookSilence).toEqual({ appSeconds: 21600, userSeconds: 172800, pollEverySeconds: 3600, streams: ["readings"] });
    const text = readFileSync("test/fixtures/manifests/webhook-silence.yaml", "utf8");
    const problems = (changed: string) => loadManifestText(changed, "changed.yaml").problems.map(formatProblem).join("\n");
    expect(problems(text.replace("streams: [readings] }", "streams: [backfill_request] }"))).toMatch(/mode: request\): it cannot be polled/);
    expect(problems(text.replace("appSeconds: 21600, userSeconds: 172800, ", ""))).toMatch(/needs appSeconds, userSeconds or both/);
    expect(problems(text.replace("streams: [readings] }", "streams: [nope] }"))).toMatch(/no stream named "nope"/);
    expect(problems(text.replace("pollEverySeconds: 3600", "pollEverySeconds: 5"))).toMatch(/pollEverySeconds/);
    const withoutWebhooks = text.replace(/^webhooks:[\s\S]*?^sync:/m, "sync:");
    expect(problems(withoutWebhooks)).toMatch(/webhookSilence falls back from webhooks, and this vendor declares none/);
  });

  it("per-user subscriptions with an expiry validate; renew without expiresAt is refused", async () => {
    const vendor = await loadFixture("expiring-user-subscriptions");
    expect(vendor.manifest.subscriptions?.user?.renew?.beforeExpirySeconds).toBe(86400);
    const text = readFileSync("test/fixtures/manifests/expiring-user-subscriptions.yaml", "utf8");
    const messages = loadManifestText(text.replace("    expiresAt: expirationDateTime\n", ""), "changed.yaml").problems.map(formatProblem).join("\n");
    expect(messages).toMatch(/renew needs expiresAt/);
  });
});
