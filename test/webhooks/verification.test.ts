import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryReplayCache } from "../../engine/backends/embedded/index.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { defineVendor } from "../../engine/manifest/loader.js";
import { createWebhookProcessor, signWebhook } from "../../engine/webhooks/index.js";

const STANDARD_WEBHOOKS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW_MS = 1614265330_000;

function manifest(webhooks: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: "acme",
    displayName: "Acme",
    settings: { webhookSecret: { list: true }, allowedIps: { list: true, required: false }, verifyToken: {} },
    oauth: {
      authorizeUrl: "https://acme.example/oauth/authorize",
      tokenUrl: "https://acme.example/oauth/token",
      clientAuth: "client_secret_basic",
      pkce: true,
      refreshToken: "rotating",
      userId: { from: "tokenResponse", field: "user_id" },
    },
    api: { baseUrl: "https://api.acme.example/v1" },
    webhooks: {
      body: "json",
      events: {
        discriminator: "type",
        mappings: [
          {
            type: "sleep.updated",
            on: ["sleep.updated"],
            delivery: "fetch",
            map: '{ "userId": $string(user), "resourceId": $string(id), "data": $ }',
            fetch: { method: "GET", path: "/sleep/{resourceId}" },
          },
          {
            type: "workout.created",
            on: ["workout.created"],
            delivery: "fetch",
            map: '{ "userId": user, "resourceId": id }',
            fetch: { method: "GET", url: "{data.url}" },
          },
        ],
      },
      ...webhooks,
    },
    ...extra,
  };
}

const standardWebhooks = {
  signature: {
    scheme: "hmac",
    algorithm: "sha256",
    key: "{settings.webhookSecret}",
    keyPrefix: "whsec_",
    keyEncoding: "base64",
    signedContent: "{id}.{timestamp}.{body}",
    header: "webhook-signature",
    encoding: "base64",
    prefix: "v1,",
    separator: " ",
    timestamp: { header: "webhook-timestamp", unit: "s", toleranceSeconds: 300 },
    id: { header: "webhook-id" },
  },
  replay: { key: "{id}", ttlSeconds: 600 },
};

function setup(webhooks: Record<string, unknown>, settings: Record<string, string | string[]> = {}, now = NOW_MS) {
  const definition = defineVendor(manifest(webhooks));
  const credentials: VendorCredentials = {
    clientId: "client-123",
    clientSecret: "s3cr3t",
    settings: { webhookSecret: [STANDARD_WEBHOOKS_SECRET], verifyToken: "verify-me", ...settings },
  };
  let clock = now;
  const processor = createWebhookProcessor({
    vendors: [definition],
    credentials: { acme: credentials },
    replayCache: new MemoryReplayCache({ clock: () => clock }),
    clock: () => clock,
  });
  return { definition, credentials, processor, advance: (ms: number) => (clock += ms) };
}

const sleepBody = JSON.stringify({ type: "sleep.updated", user: 42, id: "abc/../../admin" });

describe("Standard Webhooks, described by a manifest alone", () => {
  it("accepts the published test vector", async () => {
    const { processor } = setup(standardWebhooks);
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const result = await processor.verifyAndParse("acme", { headers, rawBody: '{"test": 2432232314}' });
    // The vector's body names no event type: verified, and ignored by the mappings.
    expect(result).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("accepts any of several space-separated signatures and any of several secrets (rotation)", async () => {
    const newSecret = "whsec_" + Buffer.from("a brand new secret key of 32 b!").toString("base64");
    const { processor } = setup(standardWebhooks, { webhookSecret: [newSecret, STANDARD_WEBHOOKS_SECRET] });
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,bm90LXRoaXMtb25l v2,ignored v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const result = await processor.verifyAndParse("acme", { headers, rawBody: '{"test": 2432232314}' });
    expect(result.ok).toBe(true);
  });

  it("maps a signed event and URL-encodes path placeholders", async () => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    const headers = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_1" });
    const result = await processor.verifyAndParse("acme", { headers, rawBody: sleepBody });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      vendor: "acme",
      type: "sleep.updated",
      userId: "42",
      resourceId: "abc/../../admin",
      delivery: "fetch",
      fetch: { method: "GET", url: "https://api.acme.example/v1/sleep/abc%2F..%2F..%2Fadmin", goneStatuses: [404, 410] },
    });
    expect(result.events[0]!.id).toMatch(/^[0-9a-f]{32}\.0$/);
  });

  it.each([
    ["tampered body", (h: Record<string, string>) => ({ headers: h, rawBody: sleepBody.replace("42", "43") }), "invalid_signature"],
    ["wrong secret", () => undefined, "invalid_signature"],
    ["missing signature header", (h: Record<string, string>) => ({ headers: { ...h, "webhook-signature": "" }, rawBody: sleepBody }), "missing_header"],
    ["missing id header", (h: Record<string, string>) => ({ headers: { ...h, "webhook-id": " " }, rawBody: sleepBody }), "missing_header"],
    ["missing timestamp", (h: Record<string, string>) => ({ headers: { "webhook-id": h["webhook-id"]!, "webhook-signature": h["webhook-signature"]! }, rawBody: sleepBody }), "missing_header"],
    ["non-numeric timestamp", (h: Record<string, string>) => ({ headers: { ...h, "webhook-timestamp": "1e9" }, rawBody: sleepBody }), "stale_timestamp"],
    ["signature without its v1, prefix", (h: Record<string, string>) => ({ headers: { ...h, "webhook-signature": h["webhook-signature"]!.slice(3) }, rawBody: sleepBody }), "invalid_signature"],
  ])("rejects a %s", async (_name, mutate, code) => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    const headers = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_2" });
    const request =
      mutate(headers) ??
      { headers: signWebhook(definition, { ...credentials, settings: { webhookSecret: ["whsec_" + Buffer.from("another key").toString("base64")] } }, sleepBody, { now: NOW_MS, id: "msg_2" }), rawBody: sleepBody };
    const result = await processor.verifyAndParse("acme", request);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("rejects timestamps outside the tolerance in both directions, and accepts them at the edge", async () => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    for (const [offsetSeconds, ok] of [[-301, false], [301, false], [-300, true], [300, true]] as const) {
      const headers = signWebhook(definition, credentials, sleepBody, { timestamp: NOW_MS / 1000 + offsetSeconds, id: `msg_${offsetSeconds}` });
      const result = await processor.verifyAndParse("acme", { headers, rawBody: sleepBody });
      expect(result.ok, `offset ${offsetSeconds}`).toBe(ok);
      if (!result.ok) expect(result.error.code).toBe("stale_timestamp");
    }
  });

  it("accepts a delivery once; a replay is typed, and a forgotten delivery is accepted again", async () => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    const headers = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_3" });
    const first = await processor.verifyAndParse("acme", { headers, rawBody: sleepBody });
    const second = await processor.verifyAndParse("acme", { headers, rawBody: sleepBody });
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error.code).toBe("replayed");
    if (first.ok) await processor.forgetDelivery(first.replayKey!);
    expect((await processor.verifyAndParse("acme", { headers, rawBody: sleepBody })).ok).toBe(true);
  });

  it("does not burn a replay key on a request that fails verification", async () => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    const headers = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_4" });
    await processor.verifyAndParse("acme", { headers: { ...headers, "webhook-signature": "v1,AAAA" }, rawBody: sleepBody });
    expect((await processor.verifyAndParse("acme", { headers, rawBody: sleepBody })).ok).toBe(true);
  });

  it("reads headers case-insensitively, from a plain object or a Fetch Headers", async () => {
    const { processor, definition, credentials } = setup(standardWebhooks);
    const signed = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_5" });
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await processor.verifyAndParse("acme", { headers: upper, rawBody: sleepBody })).ok).toBe(true);
    const again = signWebhook(definition, credentials, sleepBody, { now: NOW_MS, id: "msg_6" });
    expect((await processor.verifyAndParse("acme", { headers: new Headers(again), rawBody: Buffer.from(sleepBody) })).ok).toBe(true);
  });
});

describe("bodies", () => {
  const plainHmac = {
    signature: { scheme: "hmac", algorithm: "sha256", key: "{clientSecret}", signedContent: "{body}", header: "x-sig", encoding: "hex" },
  };
  const sign = (body: Buffer | string) => createHmac("sha256", "s3cr3t").update(body).digest("hex");

  it.each([
    ["empty", ""],
    ["not JSON", "type=sleep.updated"],
    ["invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ["nested too deeply", "[".repeat(200_000) + "]".repeat(200_000)],
  ])("a correctly signed %s body is malformed_body", async (_name, body) => {
    const { processor } = setup({ ...plainHmac, maxBodyBytes: 1_000_000 });
    const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("malformed_body");
  });

  it("refuses a body over maxBodyBytes before doing any work", async () => {
    const { processor } = setup({ ...plainHmac, maxBodyBytes: 64 });
    const body = JSON.stringify({ type: "sleep.updated", padding: "x".repeat(100) });
    const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
    expect(!result.ok && result.error.code).toBe("body_too_large");
  });

  it("accepts upper-case hex when the manifest says hex", async () => {
    const { processor } = setup(plainHmac);
    const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(sleepBody).toUpperCase() }, rawBody: sleepBody });
    expect(result.ok).toBe(true);
  });

  it("parses form-encoded bodies", async () => {
    const form = {
      ...plainHmac,
      body: "form",
      events: { mappings: [{ type: "body.updated", match: "appli = '1'", delivery: "push", map: '{ "userId": userid, "data": $ }' }] },
    };
    const { processor } = setup(form);
    const body = "userid=12345&appli=1&startdate=1530576000&enddate=1530698753";
    const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
    expect(result.ok && result.events[0]).toMatchObject({ type: "body.updated", userId: "12345", data: { appli: "1", startdate: "1530576000" } });
  });

  it("a mapping that yields no userId is a typed mapping_failed, not a crash", async () => {
    const { processor } = setup(plainHmac);
    const body = JSON.stringify({ type: "sleep.updated", id: 1 });
    const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
    expect(!result.ok && result.error.code).toBe("mapping_failed");
  });

  it("refuses a fetch URL from the payload that points outside the vendor's API hosts", async () => {
    const { processor } = setup(plainHmac);
    const lookalikes = ["https://api.acme.example.evil.example/x", "https://api.acme.example@evil.example/x", "https://api.acme.example:444/x"];
    for (const url of ["https://evil.example/x", "http://api.acme.example/x", "https://user:pw@api.acme.example/x", ...lookalikes]) {
      const body = JSON.stringify({ type: "workout.created", user: "u1", id: "w1", url });
      const result = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
      expect(!result.ok && result.error.code, url).toBe("fetch_not_allowed");
    }
    const body = JSON.stringify({ type: "workout.created", user: "u1", id: "w1", url: "https://api.acme.example/v1/workouts/w1" });
    const ok = await processor.verifyAndParse("acme", { headers: { "x-sig": sign(body) }, rawBody: body });
    expect(ok.ok && ok.events[0]!.fetch!.url).toBe("https://api.acme.example/v1/workouts/w1");
  });
});

describe("shared-secret and unsigned schemes fail closed", () => {
  it("shared secret: right value passes; wrong, empty, missing or unprefixed fail", async () => {
    const { processor } = setup({ signature: { scheme: "shared-secret", header: "Authorization", prefix: "Bearer ", secret: "{settings.verifyToken}" } });
    const ok = await processor.verifyAndParse("acme", { headers: { authorization: "Bearer verify-me" }, rawBody: sleepBody });
    expect(ok.ok).toBe(true);
    for (const [value, code] of [["Bearer nope", "invalid_signature"], ["", "missing_header"], [undefined, "missing_header"], ["verify-me", "invalid_signature"]] as const) {
      const result = await processor.verifyAndParse("acme", { headers: { authorization: value }, rawBody: sleepBody });
      expect(!result.ok && result.error.code, String(value)).toBe(code);
    }
  });

  it("trust header: only our client id passes (a check that accepts any value is the bug this guards)", async () => {
    const { processor } = setup({ signature: { scheme: "none", trust: { header: { name: "garmin-client-id", equals: "{clientId}" } } } });
    expect((await processor.verifyAndParse("acme", { headers: { "garmin-client-id": "client-123" }, rawBody: sleepBody })).ok).toBe(true);
    for (const value of ["someone-else", "", " ", undefined, "client-123x"]) {
      const result = await processor.verifyAndParse("acme", { headers: { "garmin-client-id": value }, rawBody: sleepBody });
      expect(!result.ok && result.error.code, String(value)).toBe("untrusted_source");
    }
  });

  it("IP allow-list: inside passes (IPv4, IPv4-mapped IPv6, IPv6); outside or unknown fails", async () => {
    const { processor } = setup(
      { signature: { scheme: "none", trust: { sourceIp: { allow: "{settings.allowedIps}" } } } },
      { allowedIps: ["89.30.121.0/24", "2001:db8::/32", "10.0.0.7"] },
    );
    for (const ip of ["89.30.121.150", "::ffff:89.30.121.1", "2001:db8::1", "10.0.0.7"]) {
      expect((await processor.verifyAndParse("acme", { headers: {}, rawBody: sleepBody, sourceIp: ip })).ok, ip).toBe(true);
    }
    for (const ip of ["89.30.122.1", "10.0.0.8", "not-an-ip", "", undefined]) {
      const result = await processor.verifyAndParse("acme", { headers: {}, rawBody: sleepBody, sourceIp: ip });
      expect(!result.ok && result.error.code, String(ip)).toBe("untrusted_source");
    }
  });

  it("an unknown vendor is typed and its name is not echoed raw", async () => {
    const { processor } = setup(standardWebhooks);
    const result = await processor.verifyAndParse("../../etc/passwd\n", { headers: {}, rawBody: "{}" });
    expect(!result.ok && result.error.code).toBe("unknown_vendor");
    expect(!result.ok && result.error.message).not.toContain("\n");
    expect(!result.ok && result.error.message).not.toContain("/");
  });

  it("no error message contains a secret", async () => {
    const { processor } = setup(standardWebhooks);
    const result = await processor.verifyAndParse("acme", { headers: { "webhook-id": "x", "webhook-timestamp": "1614265330", "webhook-signature": "v1,AAAA" }, rawBody: sleepBody });
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result) + (!result.ok ? result.error.message : "");
    expect(text).not.toContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(text).not.toContain("s3cr3t");
  });
});

describe("handshakes", () => {
  const withHandshakes = {
    signature: { scheme: "hmac", algorithm: "sha256", key: "{clientSecret}", signedContent: "{body}", header: "x-sig", encoding: "hex" },
    handshakes: [
      { name: "verify code", method: "GET", when: { query: ["verify"] }, verify: { query: "verify", equals: "{settings.verifyToken}" }, respond: { status: 204 }, respondOnMismatch: { status: 404 } },
      { name: "challenge", method: "GET", when: { query: ["challenge", "verification_token"] }, verify: { query: "verification_token", equals: "{settings.verifyToken}" }, respond: { status: 200, json: { challenge: "{query.challenge}" } } },
      { name: "ping", method: "POST", when: { body: { equals: { event: "PING" }, optionalFields: ["timestamp"] } }, respond: { status: 200 } },
    ],
  };

  it("verify code: 204 on match, 404 otherwise", async () => {
    const { processor } = setup(withHandshakes);
    expect(await processor.handshake("acme", { method: "GET", url: "/webhooks/acme?verify=verify-me", headers: {}, rawBody: "" })).toMatchObject({ status: 204 });
    expect(await processor.handshake("acme", { method: "GET", url: "/webhooks/acme?verify=wrong", headers: {}, rawBody: "" })).toMatchObject({ status: 404 });
  });

  it("challenge: echoes the challenge as JSON after checking the token", async () => {
    const { processor } = setup(withHandshakes);
    const ok = await processor.handshake("acme", { method: "GET", url: "/w?verification_token=verify-me&challenge=abc%22123", headers: {}, rawBody: "" });
    expect(ok).toEqual({ status: 200, headers: { "content-type": "application/json" }, body: '{"challenge":"abc\\"123"}' });
    const bad = await processor.handshake("acme", { method: "GET", url: "/w?verification_token=nope&challenge=abc", headers: {}, rawBody: "" });
    expect(bad?.status).toBe(401);
  });

  it("unsigned ping: answered without a signature; anything else is not a handshake", async () => {
    const { processor } = setup(withHandshakes);
    const ping = JSON.stringify({ event: "PING", timestamp: "2018-05-15T14:22:24Z" });
    expect(await processor.handshake("acme", { method: "POST", headers: {}, rawBody: ping })).toMatchObject({ status: 200 });
    const sneaky = JSON.stringify({ event: "PING", timestamp: "t", type: "sleep.updated", user: 1, id: 2 });
    expect(await processor.handshake("acme", { method: "POST", headers: {}, rawBody: sneaky })).toBeUndefined();
    expect(await processor.handshake("acme", { method: "POST", headers: {}, rawBody: "not json" })).toBeUndefined();
  });

  it("form bodies: declared values match the form's string fields; a body over maxBytes is not a handshake", async () => {
    const { processor } = setup({
      body: "form",
      signature: withHandshakes.signature,
      handshakes: [{ name: "check", method: "POST", when: { body: { equals: { action: "check", version: 2 }, maxBytes: 64 } }, respond: { status: 204 } }],
    });
    const post = (rawBody: string) => processor.handshake("acme", { method: "POST", headers: {}, rawBody });
    expect(await post("action=check&version=2")).toMatchObject({ status: 204 });
    expect(await post("version=2&action=check")).toMatchObject({ status: 204 });
    expect(await post("action=check&version=3")).toBeUndefined();
    expect(await post("action=check&version=2&other=1")).toBeUndefined();
    expect(await post("action=check&action=check&version=2")).toBeUndefined(); // a repeated field is a list, not the value
    expect(await post(`action=check&version=2${"&".repeat(60)}`)).toBeUndefined(); // 83 bytes: over maxBytes
  });
});
