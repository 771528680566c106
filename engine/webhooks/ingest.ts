import type { ConnectorEngine } from "../connector-engine.js";
import { ConnectorError, type ConnectorErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { WebhookResponse } from "./handshake.js";
import type { WebhookRequest } from "./request.js";

export type IngestOutcome = "accepted" | "handshake" | "replayed" | "rejected" | "ignored" | "unavailable";

export interface IngestResult {
  readonly response: WebhookResponse;
  readonly outcome: IngestOutcome;
  /** Events stored in the queue by this request (0 unless `accepted`). */
  readonly eventCount: number;
  /** Event types of the stored events, for logs. */
  readonly eventTypes: readonly string[];
  /** Vendor user ids of the stored events, for logs (hash them before writing them anywhere). */
  readonly vendorUserIds: readonly string[];
  readonly errorCode?: ConnectorErrorCode;
}

type Statuses = { readonly accepted: number; readonly replayed: number; readonly invalidSignature: number };

const DEFAULT_STATUSES: Statuses = { accepted: 200, replayed: 409, invalidSignature: 401 };

/** Errors that mean "this request is not from the vendor": answered with the manifest's invalidSignature status. */
const AUTHENTICATION_ERRORS = new Set<ConnectorErrorCode>(["invalid_signature", "missing_header", "stale_timestamp", "untrusted_source"]);
const MALFORMED_ERRORS = new Set<ConnectorErrorCode>(["malformed_body", "mapping_failed", "fetch_not_allowed"]);

/**
 * The receive pipeline: handshake, then verification and mapping, then the durable enqueue.
 * A 2xx is sent only once every event is stored, so the vendor's own retry covers our failures; when the store
 * fails the delivery is forgotten by the replay cache, so that retry is not mistaken for a replay.
 */
export async function receiveWebhook(engine: ConnectorEngine, vendorId: string, request: WebhookRequest): Promise<IngestResult> {
  const statuses = statusesOf(engine, vendorId);
  try {
    const handshake = await engine.handshake(vendorId, request);
    // A handshake refused (wrong verify token, a hook's 401) is logged as a rejection, not as an answered handshake.
    if (handshake) return { ...nothingStored, response: handshake, outcome: handshake.status >= 400 ? "rejected" : "handshake" };

    const method = (request.method ?? "POST").toUpperCase();
    if (method !== "POST" && method !== "PUT") {
      const response = reply(405, { error: "method_not_allowed" });
      return { ...nothingStored, response: { ...response, headers: { ...response.headers, allow: "POST" } }, outcome: "rejected" };
    }

    const result = await engine.verifyAndParse(vendorId, request);
    if (!result.ok) return fromError(result.error, statuses);
    if (result.events.length === 0) {
      return { ...nothingStored, response: reply(statuses.accepted, { status: "ignored" }), outcome: "ignored" };
    }
    return await store(engine, result.events, result.replayKey, statuses);
  } catch (error) {
    if (error instanceof ConnectorError) return fromError(error, statuses);
    return unavailable("backend_unavailable");
  }
}

async function store(engine: ConnectorEngine, events: readonly NormalizedEvent[], replayKey: string | undefined, statuses: Statuses): Promise<IngestResult> {
  let stored = false;
  try {
    const result = await engine.enqueueEvent(events);
    stored = result.failed.length === 0 && result.enqueued.length === events.length;
  } catch {
    stored = false;
  }
  if (!stored) {
    if (replayKey) await forgetWithRetry(engine, replayKey);
    return unavailable("backend_unavailable");
  }
  return {
    response: reply(statuses.accepted, { status: "accepted", events: events.length }),
    outcome: "accepted",
    eventCount: events.length,
    eventTypes: unique(events.map((event) => event.type)),
    vendorUserIds: unique(events.map((event) => event.userId)),
  };
}

/**
 * If the replay key cannot be forgotten, the vendor's retry would be answered as a replay and the events lost;
 * try a few times, as the store may be coming back.
 */
async function forgetWithRetry(engine: ConnectorEngine, replayKey: string): Promise<void> {
  for (const delayMs of [0, 50, 200]) {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await engine.forgetDelivery(replayKey);
      return;
    } catch {
      // retried below; the answer is a 503 either way
    }
  }
}

function fromError(error: ConnectorError, statuses: Statuses): IngestResult {
  const code = error.code;
  if (code === "replayed") {
    return { ...nothingStored, response: reply(statuses.replayed, { status: "replayed" }), outcome: "replayed", errorCode: code };
  }
  if (code === "unknown_vendor") return rejected(404, code);
  if (code === "body_too_large" || code === "too_many_events") return rejected(413, code);
  if (AUTHENTICATION_ERRORS.has(code)) return rejected(statuses.invalidSignature, code);
  if (MALFORMED_ERRORS.has(code)) return rejected(400, code);
  if (code === "missing_setting") return rejected(statuses.invalidSignature, "invalid_signature");
  return unavailable(code);
}

function rejected(status: number, code: ConnectorErrorCode): IngestResult {
  return { ...nothingStored, response: reply(status, { error: code }), outcome: "rejected", errorCode: code };
}

function unavailable(code: ConnectorErrorCode): IngestResult {
  const response = reply(503, { error: "unavailable" });
  return { ...nothingStored, response: { ...response, headers: { ...response.headers, "retry-after": "30" } }, outcome: "unavailable", errorCode: code };
}

const nothingStored = { eventCount: 0, eventTypes: [], vendorUserIds: [] } as const;

/** Only the error code or a status word goes back: never a message that could echo a header or body. */
function reply(status: number, body: Record<string, string | number>): WebhookResponse {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers: {}, body: "" };
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

function statusesOf(engine: ConnectorEngine, vendorId: string): Statuses {
  const responses = engine.vendors.find((vendor) => vendor.id === vendorId)?.manifest.webhooks.responses;
  return { ...DEFAULT_STATUSES, ...(responses ?? {}) } as Statuses;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
