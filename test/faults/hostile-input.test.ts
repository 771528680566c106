// Hostile input through the public engine API (createConnectorEngine on memory backends, the receive pipeline and
// the fetch handler): oversized bodies, deep nesting, invalid UTF-8, header injection, odd vendor ids. Each gets a
// clear typed error, and leaves no partial state: no replay key recorded, nothing enqueued.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { ConnectorError } from "../../engine/errors.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import type { ReplayCache } from "../../engine/ports/replay-cache.js";
import type { IngestStore } from "../../engine/ports/ingest-store.js";
import { receiveWebhook } from "../../engine/webhooks/ingest.js";
import type { WebhookRequest, WebhookResult } from "../../engine/webhooks/index.js";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const WHOOP_SECRET = "whoop-client-secret";
const POLAR_SECRET = "polar-webhook-secret";
const credentials = {
  whoop: { clientId: "whoop-client", clientSecret: WHOOP_SECRET, settings: {} },
  polar: { clientId: "polar-client", clientSecret: "p", settings: { webhookSecret: [POLAR_SECRET] } },
  garmin: { clientId: "garmin-key", clientSecret: "g", settings: {} },
};

async function setup() {
  const { vendors } = await loadManifestFiles(["vendors/whoop.yaml", "vendors/polar.yaml", "vendors/garmin.yaml"]);
  const backends = createMemoryBackends({ clock: () => NOW });
  const recorded: string[] = [];
  const replayCache: ReplayCache = {
    firstSeen: async (key, ttl) => {
      const first = await backends.replayCache.firstSeen(key, ttl);
      if (first) recorded.push(key);
      return first;
    },
    forget: async (key) => {
      await backends.replayCache.forget(key);
      recorded.splice(recorded.indexOf(key), 1);
    },
  };
  // The pipeline records replay keys through the ingest store: watch that too.
  const ingest: IngestStore = {
    admit: async (delivery) => {
      const result = await backends.ingest.admit(delivery);
      if (result.status === "stored" && delivery.replay) recorded.push(delivery.replay.key);
      return result;
    },
  };
  const engine = createConnectorEngine({ vendors, backends: { ...backends, replayCache, ingest }, credentials, clock: () => NOW });
  const queued = async () => (await backends.jobQueue.receive({ maxJobs: 100 })).length;
  return { engine, recorded, queued };
}

const whoopHeaders = (body: string | Buffer, timestamp = String(NOW)) => ({
  "x-whoop-signature": createHmac("sha256", WHOOP_SECRET).update(timestamp).update(body).digest("base64"),
  "x-whoop-signature-timestamp": timestamp,
});
const polarHeaders = (body: string | Buffer) => ({ "polar-webhook-signature": createHmac("sha256", POLAR_SECRET).update(body).digest("hex") });
const whoopBody = (extra = "") => `{"user_id":10129,"id":"ecfc6a15","type":"sleep.updated","trace_id":"t-${extra}"}`;
const polarBody = '{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}';

function rejected(result: WebhookResult, code: string): ConnectorError {
  if (result.ok) throw new Error(`expected ${code}, got ${result.events.length} events`);
  expect(result.error).toBeInstanceOf(ConnectorError);
  expect(result.error.code).toBe(code);
  return result.error;
}

async function expectNoTrace(s: Awaited<ReturnType<typeof setup>>) {
  expect(s.recorded).toEqual([]);
  expect(await s.queued()).toBe(0);
}

describe("oversized bodies", () => {
  it("a correctly signed body over the limit is body_too_large (413), with no replay key and nothing enqueued", async () => {
    const s = await setup();
    const body = Buffer.alloc(1_048_577, 0x20);
    body.write(whoopBody());
    const result = await s.engine.verifyAndParse("whoop", { headers: whoopHeaders(body), rawBody: body });
    rejected(result, "body_too_large");
    const ingest = await receiveWebhook(s.engine, "whoop", { method: "POST", headers: whoopHeaders(body), rawBody: body });
    expect(ingest.response.status).toBe(413);
    await expectNoTrace(s);
  });

  it("the fetch handler stops reading at the cap and answers 413", async () => {
    const s = await setup();
    const handler = createFetchHandler(s.engine, { logger: () => {} });
    const body = "x".repeat(2 * 1_048_576);
    const response = await handler(new Request("http://localhost/webhooks/whoop", { method: "POST", headers: whoopHeaders(body), body }));
    expect(response.status).toBe(413);
    await expectNoTrace(s);
  });
});

describe("deeply nested JSON", () => {
  it.each([65, 10_000, 400_000])("%i levels, correctly signed: malformed_body, no trace", async (depth) => {
    const s = await setup();
    const body = `{"type":"sleep.updated","user_id":1,"id":1,"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const error = rejected(await s.engine.verifyAndParse("whoop", { headers: whoopHeaders(body), rawBody: body }), "malformed_body");
    expect(error.message).toMatch(/nests deeper/);
    await expectNoTrace(s);
  });

  it("brackets inside strings do not count as nesting", async () => {
    const s = await setup();
    const body = `{"user_id":10129,"id":"a","type":"sleep.updated","trace_id":"${"[{".repeat(5000)}"}`;
    const result = await s.engine.verifyAndParse("whoop", { headers: whoopHeaders(body), rawBody: body });
    expect(result.ok).toBe(true);
  });
});

describe("invalid UTF-8", () => {
  it.each([
    ["a lone continuation byte", [0x80]],
    ["an invalid start byte", [0xff, 0xfe]],
    ["an overlong '/'", [0xc0, 0xaf]],
    ["an encoded UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ])("%s inside a correctly signed body: malformed_body, no trace", async (_name, bytes) => {
    const s = await setup();
    const body = Buffer.concat([Buffer.from('{"user_id":10129,"id":"a","type":"sleep.updated","trace_id":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const error = rejected(await s.engine.verifyAndParse("whoop", { headers: whoopHeaders(body), rawBody: body }), "malformed_body");
    expect(error.message).toMatch(/UTF-8/);
    const ingest = await receiveWebhook(s.engine, "whoop", { method: "POST", headers: whoopHeaders(body), rawBody: body });
    expect(ingest.response.status).toBe(400);
    await expectNoTrace(s);
  });
});

describe("header injection (headers passed as a plain object)", () => {
  // Suffixes that carry something after the line break: never the same value.
  const injections = ["\r\nX-Injected: 1", "\nX-Injected: 1", "\r\n\r\n<html>", "\u0000", "\u0000X-Injected: 1", " \r\n\tX-Injected: 1"];
  // Whitespace-only suffixes are trimmed (String.prototype.trim also strips CR, LF and U+2028): the same signature.
  const whitespace = ["\r", "\r\n", "\n", "\t", "\u2028", "\ufeff"];

  it.each(injections)("CR/LF/NUL appended to the signature (%j): invalid_signature, nothing echoed, replay key not burned", async (suffix) => {
    const s = await setup();
    const headers = polarHeaders(polarBody);
    const value = `${headers["polar-webhook-signature"]}${suffix}`;
    const error = rejected(await s.engine.verifyAndParse("polar", { headers: { "polar-webhook-signature": value }, rawBody: polarBody }), "invalid_signature");
    expect(error.message).not.toContain("X-Injected");
    expect(error.message).not.toContain(headers["polar-webhook-signature"]);
    expect(JSON.stringify(error.toJSON())).not.toMatch(/\r|\n|X-Injected/);
    await expectNoTrace(s);
    // The genuine delivery (same body, same replay key) still goes through: the rejection burned nothing.
    const genuine = await receiveWebhook(s.engine, "polar", { method: "POST", headers, rawBody: polarBody });
    expect(genuine.outcome).toBe("accepted");
    expect(await s.queued()).toBe(1);
  });

  it.each(injections)("CR/LF/NUL in the timestamp (%j): rejected before any HMAC, no trace", async (suffix) => {
    const s = await setup();
    const body = whoopBody();
    const headers = { ...whoopHeaders(body), "x-whoop-signature-timestamp": `${NOW}${suffix}` };
    const result = await s.engine.verifyAndParse("whoop", { headers, rawBody: body });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(["stale_timestamp", "invalid_signature"]).toContain(result.error.code);
    await expectNoTrace(s);
  });

  it.each(whitespace)("a whitespace-only suffix (%j) is the same signature: accepted once, then replayed", async (suffix) => {
    const s = await setup();
    const headers = polarHeaders(polarBody);
    const padded = { "polar-webhook-signature": `${headers["polar-webhook-signature"]}${suffix}` };
    expect((await receiveWebhook(s.engine, "polar", { method: "POST", headers: padded, rawBody: polarBody })).outcome).toBe("accepted");
    expect((await receiveWebhook(s.engine, "polar", { method: "POST", headers, rawBody: polarBody })).outcome).toBe("replayed");
    expect(await s.queued()).toBe(1);
  });

  // Regression guard: a {signature} replay key must hash the signature as verified (trimmed), not the raw header,
  // or a captured WHOOP delivery re-sent with "\r" appended to X-WHOOP-Signature would be accepted again.
  it("WHOOP: the same delivery re-sent with a CR after the signature is a replay", async () => {
    const s = await setup();
    const body = whoopBody();
    const headers = whoopHeaders(body);
    expect((await receiveWebhook(s.engine, "whoop", { method: "POST", headers, rawBody: body })).outcome).toBe("accepted");
    const padded = { ...headers, "x-whoop-signature": `${headers["x-whoop-signature"]}\r` };
    expect((await receiveWebhook(s.engine, "whoop", { method: "POST", headers: padded, rawBody: body })).outcome).toBe("replayed");
  });

  it("an injected header name or a smuggled duplicate does not authenticate", async () => {
    const s = await setup();
    const body = whoopBody();
    const good = whoopHeaders(body);
    const attempts: WebhookRequest["headers"][] = [
      { "x-whoop-signature\r\nx-whoop-signature": good["x-whoop-signature"], "x-whoop-signature-timestamp": good["x-whoop-signature-timestamp"] },
      { "x-whoop-signature": ["forged", good["x-whoop-signature"]], "x-whoop-signature-timestamp": good["x-whoop-signature-timestamp"] },
      { "x-whoop-signature": good["x-whoop-signature"], "x-whoop-signature-timestamp": [good["x-whoop-signature-timestamp"], String(NOW + 1)] },
      { "X-WHOOP-SIGNATURE": "forged", "x-whoop-signature": good["x-whoop-signature"], "x-whoop-signature-timestamp": good["x-whoop-signature-timestamp"] },
    ];
    for (const headers of attempts) {
      const result = await s.engine.verifyAndParse("whoop", { headers, rawBody: body });
      expect(result.ok, JSON.stringify(headers)).toBe(false);
      if (!result.ok) expect(result.error).toBeInstanceOf(ConnectorError);
    }
    await expectNoTrace(s);
  });

  it("a trust header with CR/LF is untrusted_source", async () => {
    const s = await setup();
    const body = '{"activities":[{"userId":"u","activityId":1,"startTimeInSeconds":1}]}';
    for (const value of ["garmin-key\r\nx: 1", "garmin-key\u0000", "garmin-key, garmin-key"]) {
      rejected(await s.engine.verifyAndParse("garmin", { headers: { "garmin-client-id": value }, rawBody: body }), "untrusted_source");
    }
    await expectNoTrace(s);
  });
});

describe("path traversal and odd characters in vendor ids", () => {
  const ids = ["../whoop", "..\\whoop", "whoop/../polar", "/etc/passwd", "%2e%2e%2fwhoop", "whoop\u0000", "whoop\r\nx: 1", "WHOOP", " whoop", "whoop ", "__proto__", "constructor", "toString", "hasOwnProperty", "", "a".repeat(10_000), "wh\u00f6op", "\ud800"];

  it.each(ids.map((id) => [JSON.stringify(id).slice(0, 40), id]))("verifyAndParse(%s): unknown_vendor, printable message, no trace", async (_label, id) => {
    const s = await setup();
    const body = whoopBody();
    const error = rejected(await s.engine.verifyAndParse(id, { headers: whoopHeaders(body), rawBody: body }), "unknown_vendor");
    expect(error.message).toMatch(/^[\x20-\x7e]*$/);
    expect(error.message).not.toContain("/");
    expect(error.message.length).toBeLessThan(120);
    expect(() => s.engine.vendor(id)).toThrow(ConnectorError);
    const ingest = await receiveWebhook(s.engine, id, { method: "POST", headers: whoopHeaders(body), rawBody: body });
    expect(ingest.response.status).toBe(404);
    await expectNoTrace(s);
  });

  it.each(["/webhooks/..%2Fwhoop", "/webhooks/whoop%00", "/webhooks/__proto__", "/webhooks/constructor", "/webhooks/whoop/..", "/webhooks/../webhooks/whoop%2F", "/webhooks/%2e%2e", "/webhooks/WHOOP"])(
    "fetch handler POST %s: 404 or 400, nothing stored",
    async (path) => {
      const s = await setup();
      const handler = createFetchHandler(s.engine, { logger: () => {} });
      const body = whoopBody();
      const response = await handler(new Request(`http://localhost${path}`, { method: "POST", headers: whoopHeaders(body), body }));
      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toMatch(/\.\.|%2F|\u0000/i);
      await expectNoTrace(s);
    },
  );
});

describe("mapping failures leave no partial state", () => {
  it("a correctly signed body that no mapping can use is rejected every time, never taken for a replay", async () => {
    const s = await setup();
    const body = '{"type":"sleep.updated","id":"x"}'; // no user_id
    for (let i = 0; i < 3; i++) rejected(await s.engine.verifyAndParse("whoop", { headers: whoopHeaders(body), rawBody: body }), "mapping_failed");
    await expectNoTrace(s);
  });
});
