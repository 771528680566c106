// Asymmetric signatures (Ed25519 as Standard Webhooks v1a, ECDSA P-256): the right signature always passes; any change
// to the body, the signature or the key fails; any bytes in the signature header are a typed refusal, never a throw.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineVendor } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { NOW, assertTyped, processorFor } from "./support.js";

const RUNS = 60;

function vendorFor(algorithm: "ed25519" | "ecdsa-p256-sha256"): { definition: VendorDefinition; privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const definition = defineVendor({
    id: `prop-${algorithm.slice(0, 5)}`,
    displayName: "property vendor",
    settings: { publicKey: { secret: false } },
    oauth: { authorizeUrl: "https://a.example/auth", tokenUrl: "https://a.example/token", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: "https://api.example.com" },
    webhooks: {
      body: "json",
      signature: {
        scheme: "asymmetric",
        algorithm,
        publicKey: "{settings.publicKey}",
        signedContent: "{id}.{timestamp}.{body}",
        header: "webhook-signature",
        encoding: "base64",
        prefix: "v1a,",
        separator: " ",
        id: { header: "webhook-id" },
        timestamp: { header: "webhook-timestamp", unit: "s", toleranceSeconds: 300 },
      },
      events: { discriminator: "type", mappings: [{ type: "sleep.updated", on: ["sleep.updated"], delivery: "push", map: '{ "userId": $string(user_id) }' }] },
    },
  });
  return { definition, privateKey, publicPem: publicKey.export({ format: "pem", type: "spki" }).toString() };
}

describe.each(["ed25519", "ecdsa-p256-sha256"] as const)("asymmetric signatures: %s", (algorithm) => {
  const { definition, privateKey, publicPem } = vendorFor(algorithm);
  const credentials = { clientId: "c", clientSecret: "s", settings: { publicKey: publicPem } };
  const headersFor = (body: string | Uint8Array, key: KeyObject = privateKey) =>
    signWebhook(definition, credentials, body, { id: "msg_1", timestamp: Math.floor(NOW / 1000), privateKey: key });
  const verify = (headers: Record<string, string>, rawBody: string | Uint8Array) => processorFor(definition, credentials).verifyAndParse(definition.id, { headers, rawBody });

  it("the right signature always passes (any user id)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/), async (user) => {
        const body = JSON.stringify({ type: "sleep.updated", user_id: user });
        const result = await verify(headersFor(body), body);
        expect(result.ok ? result.events[0]?.userId : result.error.code).toBe(user);
      }),
      { numRuns: RUNS },
    );
  });

  it("any change to the body fails (invalid_signature)", async () => {
    const body = Buffer.from(JSON.stringify({ type: "sleep.updated", user_id: "user-1" }));
    const headers = headersFor(body);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const changed = Buffer.from(body);
        changed[at % body.length] = changed[at % body.length]! ^ (1 << bit);
        const result = await verify(headers, changed);
        expect(result.ok ? "accepted" : result.error.code).toBe("invalid_signature");
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a second base64 text of the same signature (the spare bits of its last character set)", async () => {
    const body = JSON.stringify({ type: "sleep.updated", user_id: "user-1" });
    const headers = headersFor(body);
    const sent = headers["webhook-signature"]!;
    expect((await verify(headers, body)).ok).toBe(true);
    // The last base64 character before the padding carries spare low bits: flip them, and the text decodes to the
    // same bytes. 64-byte Ed25519 signatures end in "x==" (4 spare bits), P-256 DER ones vary.
    const text = sent.slice("v1a,".length);
    const padding = text.length - text.replace(/=+$/, "").length;
    if (padding === 0) return;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = text.length - padding - 1;
    const spare = padding === 2 ? 0b1111 : 0b11;
    const twin = alphabet[alphabet.indexOf(text[last]!) ^ spare]!;
    const alternate = `v1a,${text.slice(0, last)}${twin}${text.slice(last + 1)}`;
    expect(Buffer.from(alternate.slice(4), "base64")).toEqual(Buffer.from(text, "base64"));
    const result = await verify({ ...headers, "webhook-signature": alternate }, body);
    expect(result.ok ? "accepted" : result.error.code).toBe("invalid_signature");
  });

  it("any change to the signature fails; any header text is a typed refusal", async () => {
    const body = JSON.stringify({ type: "sleep.updated", user_id: "user-1" });
    const headers = headersFor(body);
    const sent = headers["webhook-signature"]!;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ at: fc.nat(), char: fc.constantFrom(..."ABCDEFabcdef0123456789+/=") }), fc.string({ maxLength: 200 })), async (change) => {
        let changed: string;
        if (typeof change === "string") changed = change;
        else {
          const at = "v1a,".length + (change.at % (sent.length - 4));
          fc.pre(sent[at] !== change.char);
          changed = sent.slice(0, at) + change.char + sent.slice(at + 1);
        }
        const result = await verify({ ...headers, "webhook-signature": changed }, body);
        assertTyped(result);
        expect(result.ok ? "accepted" : result.error.code).toMatch(/^(invalid_signature|missing_header)$/);
      }),
      { numRuns: RUNS },
    );
  });

  it("a signature by any other key fails", async () => {
    const body = JSON.stringify({ type: "sleep.updated", user_id: "user-1" });
    for (let i = 0; i < 5; i++) {
      const other = vendorFor(algorithm).privateKey;
      const result = await verify(headersFor(body, other), body);
      expect(result.ok ? "accepted" : result.error.code).toBe("invalid_signature");
    }
  });
});
