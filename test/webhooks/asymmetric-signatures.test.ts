// Asymmetric webhook signatures: Standard Webhooks v1a (Ed25519) from its published vector, ECDSA P-256 with keys as
// PEM, JWK or raw in settings, and keys from a JWKS URL (cached, refetched on rotation at a bounded rate, fail closed).
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createWebhookProcessor, signWebhook } from "../../engine/webhooks/index.js";
import { tinkPublicKeyset } from "../../engine/webhooks/tink-keyset.js";
import { loadVendor } from "../vendors/support.js";

// Published by the Standard Webhooks project (libraries/go/webhook_asymmetric_test.go, TestAsymmetricWebhookSign):
// the base64 key is the Ed25519 seed.
const V1A = {
  seed: "VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==",
};
// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function ed25519FromSeed(seedBase64: string): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seedBase64, "base64")]), format: "der", type: "pkcs8" });
}
function whpk(privateKey: KeyObject): string {
  const jwk = privateKey.export({ format: "jwk" }) as { x: string };
  return `whpk_${Buffer.from(jwk.x, "base64url").toString("base64")}`;
}

function processor(definition: VendorDefinition, credentials: VendorCredentials, now: () => number, fetchFn?: typeof fetch) {
  return createWebhookProcessor({
    vendors: [definition],
    credentials: { [definition.id]: credentials },
    replayCache: createMemoryBackends({ clock: now }).replayCache,
    clock: now,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
}

describe("Standard Webhooks v1a (Ed25519), declared in YAML", () => {
  let definition: VendorDefinition;
  const senderKey = ed25519FromSeed(V1A.seed);
  const credentials = { clientId: "c", clientSecret: "s", settings: { webhookPublicKey: [whpk(senderKey)] } };
  beforeAll(async () => {
    definition = await loadVendor("test/fixtures/vendors/standard-webhooks-v1a.yaml");
  });
  const vectorHeaders = () => ({ "webhook-id": V1A.id, "webhook-timestamp": String(V1A.timestamp), "webhook-signature": V1A.signature });

  it("verifies the published v1a vector (no mapping takes it: acknowledged, ignored)", async () => {
    const result = await processor(definition, credentials, () => V1A.timestamp * 1000).verifyAndParse(definition.id, { headers: vectorHeaders(), rawBody: V1A.body });
    expect(result).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("signWebhook with the vector's key reproduces the published signature", () => {
    const headers = signWebhook(definition, credentials, V1A.body, { id: V1A.id, timestamp: V1A.timestamp, privateKey: senderKey });
    expect(headers).toEqual(vectorHeaders());
  });

  it("refuses the vector's signature over another body, timestamp or id, and a v1 (HMAC) signature in its place", async () => {
    const at = () => V1A.timestamp * 1000;
    const cases = [
      { headers: vectorHeaders(), rawBody: '{"test": 2432232315}' },
      { headers: { ...vectorHeaders(), "webhook-timestamp": String(V1A.timestamp + 1) }, rawBody: V1A.body },
      { headers: { ...vectorHeaders(), "webhook-id": "msg_other" }, rawBody: V1A.body },
      { headers: { ...vectorHeaders(), "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" }, rawBody: V1A.body },
      { headers: { ...vectorHeaders(), "webhook-signature": "v1a," }, rawBody: V1A.body },
    ];
    for (const request of cases) {
      const result = await processor(definition, credentials, at).verifyAndParse(definition.id, request);
      expect(result.ok ? "accepted" : result.error.code).toBe("invalid_signature");
    }
  });

  it("accepts the valid signature among several (the spec's multi-signature case) and either configured key", async () => {
    const next = generateKeyPairSync("ed25519").privateKey;
    const both = { ...credentials, settings: { webhookPublicKey: [whpk(next), whpk(senderKey)] } };
    const signatures = ["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", V1A.signature].join(" ");
    const result = await processor(definition, both, () => V1A.timestamp * 1000).verifyAndParse(definition.id, {
      headers: { ...vectorHeaders(), "webhook-signature": signatures },
      rawBody: V1A.body,
    });
    expect(result.ok).toBe(true);
  });

  it("refuses a timestamp outside the tolerance and a missing header", async () => {
    const late = await processor(definition, credentials, () => (V1A.timestamp + 301) * 1000).verifyAndParse(definition.id, { headers: vectorHeaders(), rawBody: V1A.body });
    expect(late.ok ? "accepted" : late.error.code).toBe("stale_timestamp");
    const { "webhook-signature": _dropped, ...unsigned } = vectorHeaders();
    const missing = await processor(definition, credentials, () => V1A.timestamp * 1000).verifyAndParse(definition.id, { headers: unsigned, rawBody: V1A.body });
    expect(missing.ok ? "accepted" : missing.error.code).toBe("missing_header");
  });
});

describe("ECDSA P-256 keys from settings", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const manifest = (format: "der" | "ieee-p1363" = "der") => ({
    id: "ecdsa-static",
    displayName: "ECDSA static",
    settings: { publicKey: { secret: false } },
    oauth: { authorizeUrl: "https://a.example/auth", tokenUrl: "https://a.example/token", clientAuth: "client_secret_post", pkce: true, refreshToken: "rotating", userId: { from: "tokenResponse", field: "user_id" } },
    api: { baseUrl: "https://api.example.com" },
    webhooks: {
      body: "json",
      signature: { scheme: "asymmetric", algorithm: "ecdsa-p256-sha256", publicKey: "{settings.publicKey}", signedContent: "{body}", header: "X-Signature", encoding: "base64", signatureFormat: format },
      events: { discriminator: "type", mappings: [{ type: "sleep.updated", on: ["sleep.updated"], delivery: "push", map: '{ "userId": $string(user_id) }' }] },
    },
  });
  const body = '{"type":"sleep.updated","user_id":"u-1"}';
  const keyForms: Record<string, string> = {
    pem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    jwk: JSON.stringify(publicKey.export({ format: "jwk" })),
    "jwk set": JSON.stringify({ keys: [publicKey.export({ format: "jwk" })] }),
    "raw point": (() => {
      const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
      return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]).toString("base64");
    })(),
    "spki der": publicKey.export({ format: "der", type: "spki" }).toString("base64"),
  };

  it.each(Object.keys(keyForms))("verifies with the key given as %s", async (form) => {
    const { defineVendor } = await import("../../engine/manifest/loader.js");
    const definition = defineVendor(manifest());
    const credentials = { clientId: "c", clientSecret: "s", settings: { publicKey: keyForms[form]! } };
    const headers = { "X-Signature": sign("sha256", Buffer.from(body), privateKey).toString("base64") };
    const result = await processor(definition, credentials, () => 0).verifyAndParse(definition.id, { headers, rawBody: body });
    expect(result.ok ? result.events.map((e) => e.userId) : result.error.code).toEqual(["u-1"]);
    const forged = await processor(definition, credentials, () => 0).verifyAndParse(definition.id, { headers, rawBody: body.replace("u-1", "u-2") });
    expect(forged.ok ? "accepted" : forged.error.code).toBe("invalid_signature");
  });

  it("reads IEEE P1363 (r||s) signatures when the manifest says so, and refuses DER there", async () => {
    const { defineVendor } = await import("../../engine/manifest/loader.js");
    const definition = defineVendor(manifest("ieee-p1363"));
    const credentials = { clientId: "c", clientSecret: "s", settings: { publicKey: keyForms.pem! } };
    const p1363 = sign("sha256", Buffer.from(body), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64");
    const der = sign("sha256", Buffer.from(body), privateKey).toString("base64");
    expect((await processor(definition, credentials, () => 0).verifyAndParse(definition.id, { headers: { "X-Signature": p1363 }, rawBody: body })).ok).toBe(true);
    expect((await processor(definition, credentials, () => 0).verifyAndParse(definition.id, { headers: { "X-Signature": der }, rawBody: body })).ok).toBe(false);
  });

  it("refuses to start with a private key, a key of another curve, or text that is no key, naming no value", async () => {
    const { defineVendor } = await import("../../engine/manifest/loader.js");
    const definition = defineVendor(manifest());
    const wrong = [
      privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      JSON.stringify(privateKey.export({ format: "jwk" })),
      generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ format: "pem", type: "spki" }).toString(),
      "not a key at all",
    ];
    for (const value of wrong) {
      let error: unknown;
      try {
        processor(definition, { clientId: "c", clientSecret: "s", settings: { publicKey: value } }, () => 0);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: "missing_setting" });
      if (value.length > 60) expect(inspect(error, { depth: Infinity })).not.toContain(value.slice(30, 60));
    }
  });
});

describe("ECDSA P-256 keys from a JWKS URL", () => {
  let definition: VendorDefinition;
  let server: Server | undefined;
  let published: object[] = [];
  let fetches = 0;
  let failing = false;
  beforeAll(async () => {
    definition = await loadVendor("test/fixtures/vendors/ecdsa-jwks.yaml");
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function startJwks(): Promise<string> {
    fetches = 0;
    failing = false;
    server = createServer((_request, response) => {
      fetches++;
      if (failing) return void response.writeHead(503).end();
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/jwks.json`;
  }
  const newKey = (kid: string) => {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return { kid, privateKey: pair.privateKey, jwk: { ...(pair.publicKey.export({ format: "jwk" }) as object), kid, use: "sig", alg: "ES256" } };
  };
  const signed = (key: ReturnType<typeof newKey>, n: number) => {
    const body = JSON.stringify({ type: "sleep.updated", user_id: `u-${n}` });
    return { headers: { "X-Key-Id": key.kid, "X-Signature": sign("sha256", Buffer.from(body), key.privateKey).toString("base64") }, rawBody: body };
  };

  it("fetches once, caches, refetches for a rotated key id, and bounds refetches under a flood of unknown ids", async () => {
    const url = await startJwks();
    const first = newKey("k1");
    published = [first.jwk];
    let now = 1_000_000;
    const webhooks = processor(definition, { clientId: "c", clientSecret: "s", settings: { jwksUrl: url } }, () => now);
    for (let n = 0; n < 5; n++) expect((await webhooks.verifyAndParse(definition.id, signed(first, n))).ok).toBe(true);
    expect(fetches).toBe(1);

    // The vendor rotates: the new key id is unknown to our cache, so it is fetched again (the minute since the last fetch has passed).
    now += 61_000;
    const second = newKey("k2");
    published = [first.jwk, second.jwk];
    expect((await webhooks.verifyAndParse(definition.id, signed(second, 10))).ok).toBe(true);
    expect(fetches).toBe(2);

    // A forger naming made-up key ids: refused, and at most one fetch per minRefreshSeconds.
    const forger = newKey("k-forged");
    for (let n = 0; n < 20; n++) {
      const result = await webhooks.verifyAndParse(definition.id, signed({ ...forger, kid: `k-${n}` }, 100 + n));
      expect(result.ok ? "accepted" : result.error.code).toBe("invalid_signature");
    }
    expect(fetches).toBe(2);
    now += 61_000;
    await webhooks.verifyAndParse(definition.id, signed({ ...forger, kid: "k-late" }, 200));
    expect(fetches).toBe(3);
  });

  it("fails closed: no keys fetched yet and the JWKS down gives backend_unavailable, never an acceptance", async () => {
    const url = await startJwks();
    const key = newKey("k1");
    published = [key.jwk];
    failing = true;
    let now = 5_000_000;
    const webhooks = processor(definition, { clientId: "c", clientSecret: "s", settings: { jwksUrl: url } }, () => now);
    const down = await webhooks.verifyAndParse(definition.id, signed(key, 1));
    expect(down.ok ? "accepted" : down.error.code).toBe("backend_unavailable");
    failing = false;
    now += 61_000;
    expect((await webhooks.verifyAndParse(definition.id, signed(key, 2))).ok).toBe(true);
    // Once fetched, a later outage keeps the cached keys (they are still the vendor's keys).
    failing = true;
    now += 3_700_000;
    expect((await webhooks.verifyAndParse(definition.id, signed(key, 3))).ok).toBe(true);
  });

  it("skips keys that are not ECDSA P-256 signing keys and refuses a JWKS over plain http to a remote host", async () => {
    const url = await startJwks();
    const key = newKey("k1");
    const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    published = [{ ...ed, kid: "k1" }, { ...key.jwk, use: "enc" }];
    const webhooks = processor(definition, { clientId: "c", clientSecret: "s", settings: { jwksUrl: url } }, () => 0);
    const result = await webhooks.verifyAndParse(definition.id, signed(key, 1));
    expect(result.ok ? "accepted" : result.error.code).toBe("backend_unavailable");
    expect(() => processor(definition, { clientId: "c", clientSecret: "s", settings: { jwksUrl: "http://keys.example.com/jwks" } }, () => 0)).toThrow(/https/);
  });
});

describe("Google Health API: Tink keyset and Tink-format signatures", () => {
  const KEYSET_URL = "https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json";
  let definition: VendorDefinition;
  beforeAll(async () => {
    definition = await loadVendor("vendors/google-health.yaml");
  });
  const credentials = { clientId: "c", clientSecret: "s", settings: { endpointAuthorization: "Bearer x" } };
  const body = JSON.stringify({ data: { healthUserId: "42", dataType: "steps", operation: "UPSERT" } });
  const tinkSign = (privateKey: KeyObject, keyId: number, signed = body) => {
    const der = sign("sha256", Buffer.from(signed), privateKey);
    const prefix = Buffer.from([1, 0, 0, 0, 0]);
    prefix.writeUInt32BE(keyId, 1);
    return Buffer.concat([prefix, der]).toString("base64");
  };

  it("verifies a Tink signature with the keyset's key named by the prefix; a bare DER signature or another key id is refused", async () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    let published = tinkPublicKeyset(pair.publicKey, 1234567);
    const urls: string[] = [];
    const fetchKeys = (async (url: string) => {
      urls.push(String(url));
      return new Response(published);
    }) as unknown as typeof fetch;
    let now = 10_000_000;
    const webhooks = processor(definition, credentials, () => now, fetchKeys);
    const ok = await webhooks.verifyAndParse(definition.id, { headers: { "X-HEALTHAPI-SIGNATURE": tinkSign(pair.privateKey, 1234567) }, rawBody: body });
    expect(ok.ok ? ok.events.map((e) => [e.type, e.userId]) : ok.error.code).toEqual([["health_data.updated", "42"]]);
    expect(urls).toEqual([KEYSET_URL]);
    const bare = await webhooks.verifyAndParse(definition.id, { headers: { "X-HEALTHAPI-SIGNATURE": sign("sha256", Buffer.from(body), pair.privateKey).toString("base64") }, rawBody: body });
    expect(bare.ok ? "accepted" : bare.error.code).toBe("invalid_signature");

    // Google rotates: a signature naming a key id we have not seen makes us fetch the keyset again (bounded).
    const next = generateKeyPairSync("ec", { namedCurve: "P-256" });
    published = tinkPublicKeyset(next.publicKey, 7654321);
    now += 301_000;
    const rotated = await webhooks.verifyAndParse(definition.id, { headers: { "X-HEALTHAPI-SIGNATURE": tinkSign(next.privateKey, 7654321, body.replace("42", "43")) }, rawBody: body.replace("42", "43") });
    expect(rotated.ok ? "accepted" : rotated.error.message).toBe("accepted");
    expect(urls).toHaveLength(2);
    const wrongId = await webhooks.verifyAndParse(definition.id, { headers: { "X-HEALTHAPI-SIGNATURE": tinkSign(next.privateKey, 1234567, body.replace("42", "44")) }, rawBody: body.replace("42", "44") });
    expect(wrongId.ok ? "accepted" : wrongId.error.code).toBe("invalid_signature");
  });
});
