// Signature verification, for every HMAC manifest and the shared-secret scheme: the right signature always passes,
// and any change to the body, the timestamp, the message id or the signature header fails.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../engine/webhooks/index.js";
import { NOW, assertTyped, hmacVendors, loadDefinition, payload, processorFor, sharedSecretVendor } from "./support.js";

const RUNS = 60;
const AUTH_CODES = ["invalid_signature", "missing_header", "stale_timestamp"];
const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);

describe.each(hmacVendors)("HMAC signatures: $file", (vendor) => {
  const setup = async () => {
    const definition = await loadDefinition(vendor.file);
    const signature = definition.manifest.webhooks.signature;
    if (signature.scheme !== "hmac") throw new Error("not an HMAC manifest");
    const unit = signature.timestamp?.unit;
    const tolerance = signature.timestamp?.toleranceSeconds ?? 0;
    const sign = (body: string | Uint8Array, offsetSeconds = 0, id?: string) => {
      const sentMs = NOW + offsetSeconds * 1000;
      const timestamp = unit === "ms" ? sentMs : Math.floor(sentMs / 1000);
      return signWebhook(definition, vendor.credentials, body, { timestamp, now: NOW, ...(id ? { id } : {}) });
    };
    const find = (headers: Record<string, string>, name: string) => Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase())!;
    return { definition, signature, sign, tolerance, find, sample: payload(vendor.payload) };
  };

  it("the right signature always passes (any payload value, any timestamp within tolerance)", async () => {
    const { definition, sign, tolerance, sample } = await setup();
    await fc.assert(
      fc.asyncProperty(word, fc.integer({ min: -tolerance, max: tolerance }), async (value, offset) => {
        const body = sample.split(vendor.vary).join(value);
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers: sign(body, offset), rawBody: body });
        expect(result.ok ? "ok" : `${result.error.code}: ${result.error.message}`).toBe("ok");
      }),
      { numRuns: RUNS },
    );
  });

  it("any correctly signed bytes pass authentication (they may still be malformed, never a throw)", async () => {
    const { definition, sign } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (bytes) => {
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers: sign(bytes), rawBody: bytes });
        assertTyped(result);
        if (!result.ok) expect(AUTH_CODES).not.toContain(result.error.code);
      }),
      { numRuns: RUNS },
    );
  });

  it("any change to the body fails (invalid_signature)", async () => {
    const { definition, sign, sample } = await setup();
    const original = Buffer.from(sample);
    const change = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
    );
    await fc.assert(
      fc.asyncProperty(change, async (c) => {
        const at = c.at % original.length;
        const changed =
          c.kind === "flip"
            ? Buffer.from(original).fill(original[at]! ^ (1 << c.bit), at, at + 1)
            : c.kind === "insert"
              ? Buffer.concat([original.subarray(0, at), Buffer.from([c.byte]), original.subarray(at)])
              : Buffer.concat([original.subarray(0, at), original.subarray(at + c.count)]);
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers: sign(original), rawBody: changed });
        expect(result.ok ? "ok" : result.error.code).toBe("invalid_signature");
      }),
      { numRuns: RUNS },
    );
  });

  it("any change to the timestamp fails", async ({ skip }) => {
    const { definition, signature, sign, sample, find } = await setup();
    if (!signature.timestamp) return skip();
    const header = signature.timestamp.header ?? signature.header;
    const changed = fc.oneof(
      fc.integer({ min: -10_000_000, max: 10_000_000 }).filter((d) => d !== 0).map((delta) => ({ delta })),
      fc.string({ maxLength: 20 }).map((text) => ({ text })),
    );
    await fc.assert(
      fc.asyncProperty(changed, async (change) => {
        const headers = { ...sign(sample) };
        const name = find(headers, header);
        const original = headers[name]!;
        headers[name] = "delta" in change ? String(Number(original) + change.delta) : change.text;
        fc.pre(headers[name]!.trim() !== original);
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers, rawBody: sample });
        expect(result.ok ? "ok" : result.error.code).toMatch(/^(invalid_signature|stale_timestamp|missing_header)$/);
      }),
      { numRuns: RUNS },
    );
  });

  it("any change to the message id fails", async ({ skip }) => {
    const { definition, signature, sign, sample, find } = await setup();
    if (!signature.id) return skip();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (id) => {
        const headers = { ...sign(sample, 0, "msg_original") };
        fc.pre(id.trim() !== "msg_original");
        headers[find(headers, signature.id!.header)] = id;
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers, rawBody: sample });
        expect(result.ok ? "ok" : result.error.code).toMatch(/^(invalid_signature|missing_header)$/);
      }),
      { numRuns: RUNS },
    );
  });

  it("any change to the signature header fails (hex compares case-insensitively by design)", async () => {
    const { definition, signature, sign, sample, find } = await setup();
    const caseInsensitive = signature.encoding !== "base64";
    const change = fc.oneof(
      fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1 }) }),
      fc.record({ kind: fc.constant("truncate" as const), count: fc.integer({ min: 1, max: 90 }) }),
      fc.record({ kind: fc.constant("drop-first" as const), count: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ kind: fc.constant("append" as const), text: fc.stringMatching(/^[A-Za-z0-9+/=]{1,8}$/) }),
    );
    await fc.assert(
      fc.asyncProperty(change, async (c) => {
        const headers = { ...sign(sample) };
        const name = find(headers, signature.header);
        const sent = headers[name]!;
        let changed: string;
        if (c.kind === "replace") {
          const at = c.at % sent.length;
          const same = caseInsensitive ? c.char.toLowerCase() === sent[at]!.toLowerCase() : c.char === sent[at];
          fc.pre(!same && c.char.trim() !== "");
          changed = sent.slice(0, at) + c.char + sent.slice(at + 1);
        } else if (c.kind === "truncate") changed = sent.slice(0, Math.max(0, sent.length - c.count));
        else if (c.kind === "drop-first") changed = sent.slice(c.count);
        else changed = sent + c.text;
        headers[name] = changed;
        const result = await processorFor(definition, vendor.credentials).verifyAndParse(definition.id, { headers, rawBody: sample });
        // A timestamp carried inside the signature header (t=...,v1=...) may be what the change broke.
        const codes = signature.timestamp?.field ? /^(invalid_signature|missing_header|stale_timestamp)$/ : /^(invalid_signature|missing_header)$/;
        expect(result.ok ? "ok" : result.error.code).toMatch(codes);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("shared-secret scheme", () => {
  const body = JSON.stringify({ type: "sleep.updated", user: 42 });

  it("the right secret passes; any other header value fails", async () => {
    const { definition, credentials } = sharedSecretVendor();
    const right = `Bearer ${credentials.settings.verifyToken as string}`;
    expect((await processorFor(definition, credentials).verifyAndParse("acme", { headers: { authorization: right }, rawBody: body })).ok).toBe(true);
    const change = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.record({ at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1 }) }).map(({ at, char }) => {
        const i = at % right.length;
        return right.slice(0, i) + char + right.slice(i + 1);
      }),
      fc.integer({ min: 1, max: right.length }).map((count) => right.slice(0, right.length - count)),
      fc.stringMatching(/^[A-Za-z0-9]{1,8}$/).map((suffix) => right + suffix),
    );
    await fc.assert(
      fc.asyncProperty(change, async (value) => {
        fc.pre(value.trim() !== right);
        const result = await processorFor(definition, credentials).verifyAndParse("acme", { headers: { authorization: value }, rawBody: body });
        expect(result.ok ? "ok" : result.error.code).toMatch(/^(invalid_signature|missing_header)$/);
      }),
      { numRuns: 200 },
    );
  });
});
