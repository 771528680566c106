import type { ConnectorEngine } from "../connector-engine.js";
import { ConnectorError, type ConnectorErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { WebhookResponse } from "./handshake.js";
import type { WebhookRequest } from "./request.js";

export type IngestOutcome = "accepted" | "handshake" | "replayed" | "in_progress" | "rejected" | "ignored" | "unavailable";

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
interface VendorIngest {
  readonly statuses: Statuses;
  readonly replayTtlSeconds: number | undefined;
}

const DEFAULT_STATUSES: Statuses = { accepted: 200, replayed: 409, invalidSignature: 401 };

/** Errors that mean "this request is not from the vendor": answered with the manifest's invalidSignature status. */
const AUTHENTICATION_ERRORS = new Set<ConnectorErrorCode>(["invalid_signature", "missing_header", "stale_timestamp", "untrusted_source"]);
const MALFORMED_ERRORS = new Set<ConnectorErrorCode>(["malformed_body", "mapping_failed", "fetch_not_allowed"]);

/**
 * The receive pipeline: handshake, then verification and mapping, then the replay check and the durable enqueue as
 * one step (IngestStore). A 2xx is sent only once every event is stored, so the vendor's own retry covers our
 * failures, and a crash at any point leaves either nothing (the retry is new) or the stored events (the retry is a
 * replay).
 */
export async function receiveWebhook(engine: ConnectorEngine, vendorId: string, request: WebhookRequest): Promise<IngestResult> {
  const vendor = vendorIngestOf(engine, vendorId);
  const { statuses } = vendor;
  try {
    const handshake = await engine.handshake(vendorId, request);
    // A handshake refused (wrong verify token, a hook's 401) is logged as a rejection, not as an answered handshake.
    if (handshake) return { ...nothingStored, response: handshake, outcome: handshake.status >= 400 ? "rejected" : "handshake" };

    const method = (request.method ?? "POST").toUpperCase();
    if (method !== "POST" && method !== "PUT") {
      const response = reply(405, { error: "method_not_allowed" });
      return { ...nothingStored, response: { ...response, headers: { ...response.headers, allow: "POST" } }, outcome: "rejected" };
    }

    const result = await engine.verifyDelivery(vendorId, request);
    if (!result.ok) return fromError(result.error, statuses);
    if (result.events.length === 0) {
      return { ...nothingStored, response: reply(statuses.accepted, { status: "ignored" }), outcome: "ignored" };
    }
    return await store(engine, result.events, result.replayKey, vendor);
  } catch (error) {
    if (error instanceof ConnectorError) return fromError(error, statuses);
    return unavailable("backend_unavailable");
  }
}

async function store(engine: ConnectorEngine, events: readonly NormalizedEvent[], replayKey: string | undefined, vendor: VendorIngest): Promise<IngestResult> {
  const replay = replayKey !== undefined && vendor.replayTtlSeconds !== undefined ? { key: replayKey, ttlSeconds: vendor.replayTtlSeconds } : undefined;
  const admitted = await engine.admitDelivery({ events, ...(replay ? { replay } : {}) });
  switch (admitted.status) {
    case "stored":
      return {
        response: reply(vendor.statuses.accepted, { status: "accepted", events: events.length }),
        outcome: "accepted",
        eventCount: events.length,
        eventTypes: unique(events.map((event) => event.type)),
        vendorUserIds: unique(events.map((event) => event.userId)),
      };
    case "replayed":
      return fromError(new ConnectorError("replayed", "this delivery was already received"), vendor.statuses);
    case "in_progress":
      return { ...retryLater(admitted.retryAfterSeconds), outcome: "in_progress" };
    case "failed":
      return unavailable("backend_unavailable");
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
  return { ...retryLater(30), outcome: "unavailable", errorCode: code };
}

/** 503 with Retry-After: what every vendor's delivery retries treat as "try again". */
function retryLater(seconds: number): Omit<IngestResult, "outcome"> {
  const response = reply(503, { error: "unavailable" });
  return { ...nothingStored, response: { ...response, headers: { ...response.headers, "retry-after": String(seconds) } } };
}

const nothingStored = { eventCount: 0, eventTypes: [], vendorUserIds: [] } as const;

/** Only the error code or a status word goes back: never a message that could echo a header or body. */
function reply(status: number, body: Record<string, string | number>): WebhookResponse {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers: {}, body: "" };
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

function vendorIngestOf(engine: ConnectorEngine, vendorId: string): VendorIngest {
  const webhooks = engine.vendors.find((vendor) => vendor.id === vendorId)?.manifest.webhooks;
  return { statuses: { ...DEFAULT_STATUSES, ...(webhooks?.responses ?? {}) } as Statuses, replayTtlSeconds: webhooks?.replay?.ttlSeconds };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
