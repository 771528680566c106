// Work done before a webhook is authenticated must be small and capped: a 1 MiB body that no vendor signed is
// refused by every shipped vendor, over real HTTP, and nothing is stored. The CPU each refusal costs is measured in
// the bench (`npm run bench -- --only=preauth`), not here: these tests check what is done, never how fast.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { rawRequest } from "../e2e/support.js";
import { loadDefinitions, queuedJobs, SHIPPED_CREDENTIALS, startConnector, type ConnectorServer } from "./support.js";

const MIB = 1_048_576;

/** `{"event":"PING","timestamp":...}` padded with JSON whitespace: on its fields alone, Polar's PING. */
function paddedPing(bytes: number): Buffer {
  const ping = Buffer.from('{"event":"PING","timestamp":"2026-11-25T12:00:00.000Z"}');
  return Buffer.concat([ping, Buffer.alloc(bytes - ping.length, 0x20)]);
}

/** A JSON object of many small fields led by event: PING, the body that once cost Polar 1.8 s of CPU. */
function manyFields(bytes: number): Buffer {
  const parts = ['{"event":"PING","timestamp":"2026-11-25T12:00:00.000Z"'];
  let length = parts[0]!.length + 1;
  for (let i = 0; length + 12 < bytes; i++) {
    const field = `,"f${i}":${i % 10}`;
    parts.push(field);
    length += field.length;
  }
  parts.push("}");
  const body = Buffer.from(parts.join(""));
  return Buffer.concat([body, Buffer.alloc(bytes - body.length, 0x20)]);
}

/** Credentials with the right names and the wrong secrets: what an attacker signs with. */
function attackerCredentials(vendor: string) {
  const settings = Object.fromEntries(Object.keys(SHIPPED_CREDENTIALS[vendor]!.settings).map((name) => [name, ["attacker-secret"]]));
  return { clientId: "attacker-client", clientSecret: "attacker-secret", settings };
}

let definitions: VendorDefinition[];
let connector: ConnectorServer;

beforeAll(async () => {
  definitions = await loadDefinitions(["vendors"]);
  expect(definitions.map((d) => d.id).sort()).toEqual(Object.keys(SHIPPED_CREDENTIALS).sort());
  connector = await startConnector(definitions, SHIPPED_CREDENTIALS);
});
afterAll(async () => {
  await connector?.close();
});

function refusalStatus(definition: VendorDefinition): number {
  return definition.manifest.webhooks.responses?.invalidSignature ?? 401;
}

describe("a 1 MiB body nobody signed is refused by every shipped vendor, and nothing is stored", () => {
  for (const vendor of Object.keys(SHIPPED_CREDENTIALS)) {
    it(vendor, async () => {
      const definition = definitions.find((d) => d.id === vendor)!;
      const url = `${connector.origin}/webhooks/${vendor}`;
      for (const body of [paddedPing(MIB), manyFields(MIB)]) {
        expect(body.byteLength).toBe(MIB);
        const plain = { "content-type": "application/json" };
        // Signed with the wrong secret (a current timestamp, so the HMAC is computed), and with no signature at all.
        const forged = definition.manifest.webhooks.signature.scheme === "hmac" ? { ...plain, ...signWebhook(definition, attackerCredentials(vendor), body) } : { ...plain, "garmin-client-id": "not-our-client-id" };
        for (const headers of [forged, plain]) {
          const response = await rawRequest(url, { headers, body });
          expect({ vendor, status: response.status }).toEqual({ vendor, status: refusalStatus(definition) });
          expect(response.body).not.toContain("PING");
        }
      }
      expect(await queuedJobs(connector.backends)).toEqual([]);
    });
  }
});

describe("Polar's unsigned PING handshake only matches a small body", () => {
  const polarUrl = () => `${connector.origin}/webhooks/polar`;

  it("answers the documented PING", async () => {
    const response = await rawRequest(polarUrl(), { headers: { "content-type": "application/json" }, body: '{"event":"PING","timestamp":"2018-05-15T14:22:24Z"}' });
    expect(response.status).toBe(200);
  });

  it("a PING padded past 4 KiB is not a handshake: it must be signed", async () => {
    expect((await rawRequest(polarUrl(), { body: paddedPing(4096) })).status).toBe(200);
    expect((await rawRequest(polarUrl(), { body: paddedPing(4097) })).status).toBe(401);
    expect((await rawRequest(polarUrl(), { body: paddedPing(MIB) })).status).toBe(401);
  });

  it("a PING with any other field, or a field of another value, is not a handshake", async () => {
    for (const body of [
      { event: "PING", timestamp: "2018-05-15T14:22:24Z", user_id: 475 },
      { event: "ping", timestamp: "2018-05-15T14:22:24Z" },
      { event: ["PING"] },
      { timestamp: "2018-05-15T14:22:24Z" },
    ]) {
      expect({ body, status: (await rawRequest(polarUrl(), { body: JSON.stringify(body) })).status }).toEqual({ body, status: 401 });
    }
    for (const body of ['["PING"]', "null", '"PING"', "{", '{"event":"PING","__proto__":{"x":1}}']) {
      expect({ body, status: (await rawRequest(polarUrl(), { body })).status }).toEqual({ body, status: 401 });
    }
    expect(await queuedJobs(connector.backends)).toEqual([]);
  });
});
