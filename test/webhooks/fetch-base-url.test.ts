import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { defineVendor } from "../../engine/manifest/loader.js";
import { createJobProcessor, processAvailableJobs, type EventDelivery } from "../../engine/queue/index.js";
import { storeSealedConnection } from "../queue/support/connections.js";

/** One regional API host: answers GET /v1/sleep/<id> for the bearer `at-<user>` and names its region. */
async function regionApi(region: string): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    const id = /^\/v1\/sleep\/([^/?]+)$/.exec(req.url ?? "")?.[1];
    if (!id || req.headers.authorization !== "Bearer at-reg-user") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id, region }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

function regionalVendor(us: string, eu: string) {
  return defineVendor({
    id: "regional",
    displayName: "Regional vendor",
    settings: { region: { secret: false, required: false } },
    oauth: { authorizeUrl: "https://regional.example/a", tokenUrl: "https://regional.example/t", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: us, baseUrlBySetting: { setting: "region", urls: { us, eu } } },
    webhooks: {
      body: "json",
      signature: { scheme: "shared-secret", header: "X-Secret", secret: "{clientSecret}" },
      events: {
        discriminator: "kind",
        mappings: [
          { type: "sleep.updated", on: ["by-path"], delivery: "fetch", map: '{ "userId": user, "resourceId": id, "data": $ }', fetch: { method: "GET", path: "/v1/sleep/{resourceId}" } },
          { type: "sleep.linked", on: ["by-url"], delivery: "fetch", map: '{ "userId": user, "resourceId": id, "data": $ }', fetch: { method: "GET", url: "{data.url}" } },
        ],
      },
    },
  });
}

describe("webhook fetches go to the API host the region setting picks (api.baseUrlBySetting)", () => {
  let us: Awaited<ReturnType<typeof regionApi>>;
  let eu: Awaited<ReturnType<typeof regionApi>>;
  beforeAll(async () => {
    [us, eu] = await Promise.all([regionApi("us"), regionApi("eu")]);
  });
  afterAll(() => {
    us.server.close();
    eu.server.close();
  });

  const run = async (region: string | undefined, bodies: readonly Record<string, unknown>[]) => {
    const backends = createMemoryBackends();
    const credentials = { clientId: "id", clientSecret: "hook-secret", settings: (region ? { region } : {}) as Record<string, string> };
    const engine = createConnectorEngine({ vendors: [regionalVendor(us.url, eu.url)], backends, credentials: { regional: credentials }, allowInsecureHttp: true });
    await storeSealedConnection(backends, { vendor: "regional", userId: "reg-user", vendorUserId: "v-reg" });
    const deliveries: EventDelivery[] = [];
    for (const body of bodies) {
      const result = await engine.verifyAndParse("regional", { method: "POST", headers: { "x-secret": "hook-secret", "content-type": "application/json" }, rawBody: JSON.stringify(body) });
      if (!result.ok) throw result.error;
      await engine.enqueueEvent(result.events);
    }
    const drained = await processAvailableJobs(backends.jobQueue, createJobProcessor(engine, (delivery) => void deliveries.push(delivery)));
    return { deliveries, reports: drained.reports };
  };

  it("a fetch path is read from the chosen region's host; without the setting, from api.baseUrl", async () => {
    const eu1 = await run("eu", [{ kind: "by-path", user: "v-reg", id: "s1" }]);
    expect(eu1.deliveries.map((d) => d.data)).toEqual([{ id: "s1", region: "eu" }]);
    expect(eu.paths).toContain("/v1/sleep/s1");
    expect(us.paths).not.toContain("/v1/sleep/s1");

    const fallback = await run(undefined, [{ kind: "by-path", user: "v-reg", id: "s2" }]);
    expect(fallback.deliveries.map((d) => d.data)).toEqual([{ id: "s2", region: "us" }]);
  });

  it("a whole fetch URL may name a region host of the manifest, never another host", async () => {
    const result = await run("eu", [{ kind: "by-url", user: "v-reg", id: "s3", url: `${eu.url}/v1/sleep/s3` }]);
    expect(result.deliveries.map((d) => d.data)).toEqual([{ id: "s3", region: "eu" }]);
    const error = await run("eu", [{ kind: "by-url", user: "v-reg", id: "s4", url: "http://127.0.0.2:9/v1/sleep/s4" }]).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "fetch_not_allowed")).toBe(true);
  });

  it("a region the manifest does not list is refused when the engine is made, not sent to a default host", () => {
    const credentials = { clientId: "id", clientSecret: "hook-secret", settings: { region: "jp" } };
    expect(() => createConnectorEngine({ vendors: [regionalVendor(us.url, eu.url)], backends: createMemoryBackends(), credentials: { regional: credentials }, allowInsecureHttp: true })).toThrow(
      /setting region must be one of us, eu/,
    );
  });
});
