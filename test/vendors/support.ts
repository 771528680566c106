import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import type { ConnectorErrorCode } from "../../engine/errors.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { createWebhookProcessor, type WebhookProcessor, type WebhookRequest, type WebhookResult } from "../../engine/webhooks/index.js";

/** Loads one manifest (retired ones too) and fails the test on any error. */
export async function loadVendor(file: string): Promise<VendorDefinition> {
  const result = await loadManifestFiles([file], { allowRetired: true });
  const errors = result.problems.filter((p) => p.severity === "error").map(formatProblem);
  expect(errors).toEqual([]);
  const [vendor] = result.vendors;
  if (!vendor) throw new Error(`${file} gave no vendor`);
  return vendor;
}

/** A documented sample payload, byte for byte. */
export function payload(vendor: string, name: string): Buffer {
  return readFileSync(new URL(`../fixtures/payloads/${vendor}/${name}`, import.meta.url));
}

/** A webhook processor over the memory backends with a clock the test moves. */
export class Harness {
  nowMs: number;
  readonly processor: WebhookProcessor;

  constructor(
    readonly definition: VendorDefinition,
    readonly credentials: VendorCredentials,
    nowMs: number,
  ) {
    this.nowMs = nowMs;
    const clock = () => this.nowMs;
    const backends = createMemoryBackends({ clock });
    this.processor = createWebhookProcessor({
      vendors: [definition],
      credentials: { [definition.id]: credentials },
      replayCache: backends.replayCache,
      clock,
    });
  }

  verify(request: Partial<WebhookRequest> & Pick<WebhookRequest, "headers" | "rawBody">): Promise<WebhookResult> {
    return this.processor.verifyAndParse(this.definition.id, { method: "POST", ...request });
  }

  handshake(request: Partial<WebhookRequest>) {
    return this.processor.handshake(this.definition.id, { headers: {}, rawBody: "", ...request });
  }
}

export function expectEvents(result: WebhookResult): NormalizedEvent[] {
  if (!result.ok) throw new Error(`expected accepted, got ${result.error.code}: ${result.error.message}`);
  return result.events;
}

export function expectError(result: WebhookResult, code: ConnectorErrorCode): void {
  if (result.ok) throw new Error(`expected ${code}, got ${result.events.length} events`);
  expect({ code: result.error.code, message: result.error.message }).toMatchObject({ code });
}

/** The fields a consumer relies on, for an exact comparison (id and data are checked separately). */
export function summary(event: NormalizedEvent) {
  return {
    type: event.type,
    userId: event.userId,
    resourceId: event.resourceId,
    occurredAt: event.occurredAt,
    delivery: event.delivery,
    fetchUrl: event.fetch?.url,
    fetchMethod: event.fetch?.method,
  };
}

export interface HmacCase {
  readonly harness: () => Harness;
  /** A valid body for this vendor. */
  readonly body: Buffer;
  /** The headers the vendor sends for `body`, computed in the test from the vendor's documented recipe. */
  readonly sign: (body: Buffer | string, options?: { secret?: string; timestampMs?: number }) => Record<string, string>;
  readonly signatureHeader: string;
  readonly timestampHeader?: string;
  /** Tolerance of the timestamp check, when there is one. */
  readonly toleranceSeconds?: number;
}

/** The failures every HMAC-signed vendor must report with their own code. */
export function hmacFailureCases(c: HmacCase): void {
  it("rejects a signature made with the wrong secret (invalid_signature)", async () => {
    const h = c.harness();
    expectError(await h.verify({ headers: c.sign(c.body, { secret: "not-the-secret" }), rawBody: c.body }), "invalid_signature");
  });

  it("rejects a tampered body (invalid_signature)", async () => {
    const h = c.harness();
    const headers = c.sign(c.body);
    const tampered = Buffer.from(c.body);
    const middle = Math.floor(tampered.length / 2);
    tampered[middle] = tampered[middle]! ^ 0x01;
    expectError(await h.verify({ headers, rawBody: tampered }), "invalid_signature");
    expectError(await h.verify({ headers, rawBody: Buffer.concat([c.body, Buffer.from(" ")]) }), "invalid_signature");
  });

  it("rejects a request without the signature header (missing_header)", async () => {
    const h = c.harness();
    const headers = { ...c.sign(c.body) };
    for (const name of Object.keys(headers)) if (name.toLowerCase() === c.signatureHeader.toLowerCase()) delete headers[name];
    expectError(await h.verify({ headers, rawBody: c.body }), "missing_header");
    expectError(await h.verify({ headers: { ...headers, [c.signatureHeader]: "" }, rawBody: c.body }), "missing_header");
  });

  it("reads header names case-insensitively", async () => {
    const h = c.harness();
    const upper = Object.fromEntries(Object.entries(c.sign(c.body)).map(([name, value]) => [name.toUpperCase(), value]));
    expectEvents(await h.verify({ headers: upper, rawBody: c.body }));
  });

  it("rejects the same delivery a second time (replayed)", async () => {
    const h = c.harness();
    const headers = c.sign(c.body);
    expectEvents(await h.verify({ headers, rawBody: c.body }));
    expectError(await h.verify({ headers, rawBody: c.body }), "replayed");
  });

  it("rejects a correctly signed empty body (malformed_body)", async () => {
    const h = c.harness();
    expectError(await h.verify({ headers: c.sign(""), rawBody: "" }), "malformed_body");
  });

  it("rejects a correctly signed body that is not JSON (malformed_body)", async () => {
    const h = c.harness();
    const body = "event=EXERCISE&user_id=1";
    expectError(await h.verify({ headers: c.sign(body), rawBody: body }), "malformed_body");
  });

  if (c.timestampHeader) {
    const timestampHeader = c.timestampHeader;
    const tolerance = c.toleranceSeconds ?? 300;
    it("rejects a timestamp outside the tolerance, in either direction (stale_timestamp)", async () => {
      const h = c.harness();
      for (const offset of [-(tolerance + 1), tolerance + 1]) {
        const timestampMs = h.nowMs + offset * 1000;
        expectError(await h.verify({ headers: c.sign(c.body, { timestampMs }), rawBody: c.body }), "stale_timestamp");
      }
      expectEvents(await h.verify({ headers: c.sign(c.body, { timestampMs: h.nowMs - (tolerance - 5) * 1000 }), rawBody: c.body }));
    });

    it("rejects a request without the timestamp header (missing_header)", async () => {
      const h = c.harness();
      const headers = { ...c.sign(c.body) };
      delete headers[timestampHeader];
      expectError(await h.verify({ headers, rawBody: c.body }), "missing_header");
    });

    it("rejects a signature whose timestamp header was changed (invalid_signature)", async () => {
      const h = c.harness();
      const headers = { ...c.sign(c.body) };
      const sent = headers[timestampHeader]!;
      headers[timestampHeader] = String(Number(sent) + 1);
      expectError(await h.verify({ headers, rawBody: c.body }), "invalid_signature");
    });
  }
}
