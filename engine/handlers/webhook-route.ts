import type { ConnectorEngine } from "../connector-engine.js";
import { receiveWebhook } from "../webhooks/ingest.js";
import type { WebhookRequest } from "../webhooks/request.js";
import { BodyTooLargeError } from "./raw-body.js";

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** An HTTP answer as plain data, for adapters that write it without building a web `Response`. */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** "" for no body. */
  readonly body: string;
}

export interface WebhookRouteAnswer {
  readonly answer: PlainAnswer;
  readonly outcome: string;
  readonly eventCount: number;
  readonly eventTypes: readonly string[];
  readonly userId?: string;
  readonly errorCode?: string;
}

/**
 * POST/GET /webhooks/:vendor, shared by the fetch handler and the node:http fast route: the body is read (capped by
 * the manifest's limit unless overridden), then the ingest pipeline answers.
 */
export async function answerWebhook(
  engine: ConnectorEngine,
  vendorId: string,
  request: Omit<WebhookRequest, "rawBody">,
  readBody: (limitBytes: number) => Promise<Uint8Array>,
  limitOverride: number | undefined,
): Promise<WebhookRouteAnswer> {
  const manifestLimit = engine.vendors.find((vendor) => vendor.id === vendorId)?.manifest.webhooks.maxBodyBytes;
  let rawBody: Uint8Array;
  try {
    rawBody = await readBody(limitOverride ?? manifestLimit ?? DEFAULT_MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return {
      answer: { status: 413, headers: { "content-type": "application/json", "cache-control": "no-store", connection: "close" }, body: '{"error":"body_too_large"}' },
      outcome: "rejected",
      eventCount: 0,
      eventTypes: [],
      errorCode: "body_too_large",
    };
  }
  const result = await receiveWebhook(engine, vendorId, { ...request, rawBody });
  const { status, headers, body } = result.response;
  return {
    answer: { status, headers: { "cache-control": "no-store", ...headers }, body },
    outcome: result.outcome,
    eventCount: result.eventCount,
    eventTypes: result.eventTypes,
    ...(result.vendorUserIds[0] ? { userId: result.vendorUserIds[0] } : {}),
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
  };
}
