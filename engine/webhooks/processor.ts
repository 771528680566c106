import { randomBytes, type KeyObject } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import { ConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import type { VendorHooks } from "../manifest/hooks.js";
import { webhooksOf, type VendorDefinition } from "../manifest/vendor-definition.js";
import type { ReplayCache } from "../ports/replay-cache.js";
import { parseBody } from "./body.js";
import { bodyDigest } from "./digest.js";
import { EventMapper, type MappingOutcome } from "./event-mapper.js";
import { answerHandshake, type WebhookResponse } from "./handshake.js";
import { AsymmetricScheme } from "./asymmetric-signature.js";
import { HmacScheme } from "./hmac-signature.js";
import { bodyReplayKey, replayKey, signatureReplayKey, type DeliveryParts } from "./replay-key.js";
import { bodyBytes, headerReader, queryOf, type HeaderReader, type WebhookRequest } from "./request.js";
import { formatSignatureHeader, headerFields } from "./signature-header.js";
import { checkTimestamp } from "./timestamp.js";
import { SharedSecretScheme, UnsignedScheme } from "./trust-checks.js";

export type VerifiedWebhook = {
  readonly ok: true;
  readonly vendor: string;
  readonly events: NormalizedEvent[];
  readonly ignoredItems: number;
  /** Set when the manifest has replay protection: hand it to `forgetDelivery` if the events could not be stored, so the vendor's retry is not taken for a replay. */
  readonly replayKey?: string;
};
export type RejectedWebhook = { readonly ok: false; readonly vendor: string; readonly error: ConnectorError };
export type WebhookResult = VerifiedWebhook | RejectedWebhook;

export interface WebhookProcessorOptions {
  readonly vendors: readonly VendorDefinition[];
  /** Only vendors with credentials are served; the others are unknown. */
  readonly credentials: Readonly<Record<string, VendorCredentials | undefined>>;
  readonly replayCache: ReplayCache;
  readonly clock?: Clock;
  /** TypeScript hooks by vendor id, for what a manifest cannot say. */
  readonly hooks?: Readonly<Record<string, VendorHooks | undefined>>;
  /** Fetches JWKS for asymmetric signatures (default: the global fetch). */
  readonly fetch?: typeof fetch;
}

interface VendorPlan {
  readonly definition: VendorDefinition;
  readonly credentials: VendorCredentials;
  readonly scheme: HmacScheme | AsymmetricScheme | SharedSecretScheme | UnsignedScheme;
  readonly mapper: EventMapper;
  readonly hooks: VendorHooks | undefined;
  /** What every delivery reads of the manifest, resolved once. */
  readonly webhooks: ReturnType<typeof webhooksOf>;
  readonly maxBodyBytes: number;
  /** Header names as lookups compare them (lower case); undefined when the scheme has no such header. */
  readonly signatureHeader: string | undefined;
  readonly timestampHeader: string | undefined;
  readonly idHeader: string | undefined;
  /** How the sent timestamp is named in messages. */
  readonly timestampWhere: string;
}

export interface WebhookProcessor {
  readonly vendorIds: readonly string[];
  verifyAndParse(vendorId: string, request: WebhookRequest): Promise<WebhookResult>;
  /** `verifyAndParse` without the replay check: for callers that record the replay key with the events (IngestStore). */
  verify(vendorId: string, request: WebhookRequest): Promise<WebhookResult>;
  /** The response for a subscription handshake, or undefined when the request is not one. */
  handshake(vendorId: string, request: WebhookRequest): Promise<WebhookResponse | undefined>;
  forgetDelivery(replayKey: string): Promise<void>;
}

export function createWebhookProcessor(options: WebhookProcessorOptions): WebhookProcessor {
  const clock = options.clock ?? systemClock;
  const plans = new Map<string, VendorPlan>();
  for (const definition of options.vendors) {
    const credentials = options.credentials[definition.id];
    if (credentials && definition.manifest.webhooks) plans.set(definition.id, planFor(definition, credentials, options.hooks?.[definition.id], options.fetch));
  }

  const planOf = (vendorId: string): VendorPlan => {
    const plan = plans.get(vendorId);
    if (!plan) throw new ConnectorError("unknown_vendor", `no configured vendor "${printable(vendorId)}"`);
    return plan;
  };

  const verify = (vendorId: string, request: WebhookRequest, replayCache: ReplayCache | undefined): Promise<WebhookResult> => {
    try {
      const plan = planOf(vendorId);
      const checked = checkDelivery(plan, request, clock());
      if (checked instanceof Promise) {
        const rejected = rejectedAs(vendorId);
        return replayCache ? checked.then((webhook) => remember(plan, webhook, replayCache), rejected) : checked.catch(rejected);
      }
      return replayCache ? remember(plan, checked, replayCache) : Promise.resolve(checked);
    } catch (error) {
      return settledRejection(vendorId, error);
    }
  };

  return {
    vendorIds: [...plans.keys()],

    verifyAndParse: (vendorId, request) => verify(vendorId, request, options.replayCache),
    verify: (vendorId, request) => verify(vendorId, request, undefined),

    async handshake(vendorId, request) {
      const { definition, credentials, hooks } = planOf(vendorId);
      const header = headerReader(request.headers);
      const query = queryOf(request);
      if (hooks?.handshake) {
        const hookRequest = { method: (request.method ?? "POST").toUpperCase(), query, header, rawBody: bodyBytes(request.rawBody) };
        const answer = await hooks.handshake(hookRequest, { vendor: definition, credentials });
        if (answer) return answer;
      }
      const webhooks = webhooksOf(definition.manifest);
      if (!webhooks.handshakes?.length) return undefined;
      return answerHandshake(vendorId, webhooks.handshakes, webhooks.body, credentials, request, header, query);
    },

    async forgetDelivery(key) {
      await options.replayCache.forget(key);
    },
  };
}

function planFor(definition: VendorDefinition, credentials: VendorCredentials, hooks?: VendorHooks, fetchFn?: typeof fetch): VendorPlan {
  const scheme = schemeFor(definition, credentials, fetchFn);
  const webhooks = webhooksOf(definition.manifest);
  const signed = scheme instanceof HmacScheme || scheme instanceof AsymmetricScheme ? scheme.spec : undefined;
  const timestamp = signed?.timestamp;
  return {
    definition,
    credentials,
    scheme,
    mapper: new EventMapper(definition.manifest, credentials),
    hooks,
    webhooks,
    maxBodyBytes: webhooks.maxBodyBytes ?? 1_048_576,
    signatureHeader: signed?.header.toLowerCase(),
    timestampHeader: timestamp?.header?.toLowerCase(),
    idHeader: signed?.id?.header.toLowerCase(),
    timestampWhere: timestamp?.field ? `the ${timestamp.field} field of ${signed!.header}` : `${timestamp?.header} header`,
  };
}

function schemeFor(definition: VendorDefinition, credentials: VendorCredentials, fetchFn?: typeof fetch): VendorPlan["scheme"] {
  const signature = webhooksOf(definition.manifest).signature;
  if (signature.scheme === "hmac") return new HmacScheme(definition.id, signature, credentials);
  if (signature.scheme === "asymmetric") return new AsymmetricScheme(definition.id, signature, credentials, fetchFn);
  if (signature.scheme === "shared-secret") return new SharedSecretScheme(definition.id, signature, credentials);
  return new UnsignedScheme(definition.id, signature, credentials);
}

/**
 * Authenticates, parses and maps a delivery, and names its replay key; the replay check is left to `remember`, so a
 * delivery that fails here is not remembered. Synchronous unless a hook or a JSONata evaluation is asynchronous.
 */
function checkDelivery(plan: VendorPlan, request: WebhookRequest, nowMs: number): VerifiedWebhook | Promise<VerifiedWebhook> {
  const body = bodyBytes(request.rawBody);
  if (body.byteLength > plan.maxBodyBytes) {
    throw new ConnectorError("body_too_large", `the body is over ${plan.maxBodyBytes} bytes`, { vendor: plan.definition.id });
  }
  const header = headerReader(request.headers);
  const delivery = authenticate(plan, request, header, body, nowMs);
  if (delivery instanceof Promise) return delivery.then((authenticated) => parseAndMap(plan, header, body, authenticated));
  return parseAndMap(plan, header, body, delivery);
}

function parseAndMap(plan: VendorPlan, header: HeaderReader, body: Buffer, delivery: Authenticated): VerifiedWebhook | Promise<VerifiedWebhook> {
  const parsed = parseBody(body, plan.webhooks.body, plan.definition.id);
  if (plan.scheme instanceof UnsignedScheme) plan.scheme.verifyBody(parsed);
  const deliveryId = bodyDigest(body);
  if (plan.hooks?.beforeMapping) {
    const context = { vendor: plan.definition, credentials: plan.credentials };
    return Promise.resolve(plan.hooks.beforeMapping(parsed, context))
      .then((reshaped) => plan.mapper.map(reshaped, deliveryId, body.byteLength))
      .then((outcome) => verified(plan, outcome, header, deliveryId, delivery));
  }
  const mapped = plan.mapper.map(parsed, deliveryId, body.byteLength);
  return mapped instanceof Promise ? mapped.then((outcome) => verified(plan, outcome, header, deliveryId, delivery)) : verified(plan, mapped, header, deliveryId, delivery);
}

/** events.userHeader: the vendor names the user in a header (an aggregator's user reference), for every event. */
function withHeaderUser(plan: VendorPlan, outcome: MappingOutcome, header: HeaderReader): MappingOutcome {
  const name = plan.webhooks.events.userHeader;
  if (!name || outcome.events.length === 0) return outcome;
  const userId = header(name)?.trim();
  if (!userId || userId.length > 256) {
    throw new ConnectorError("mapping_failed", `${name} header (the user) is missing or too long`, { vendor: plan.definition.id });
  }
  return { ...outcome, events: outcome.events.map((event) => ({ ...event, userId })) };
}

function verified(plan: VendorPlan, mapped: MappingOutcome, header: HeaderReader, deliveryId: string, delivery: Authenticated): VerifiedWebhook {
  const vendor = plan.definition.id;
  const { events, ignoredItems } = withHeaderUser(plan, mapped, header); // unsigned vendors' events already say authenticity: "unverified" (EventMapper)
  const replay = plan.webhooks.replay;
  if (!replay) return { ok: true, vendor, events, ignoredItems };
  return { ok: true, vendor, events, ignoredItems, replayKey: replayKeyOf(plan, replay.key, header, deliveryId, delivery) };
}

function replayKeyOf(plan: VendorPlan, template: string, header: HeaderReader, deliveryId: string, delivery: Authenticated): string {
  const vendor = plan.definition.id;
  // The keys vendors use (see replayKey), without the parts object.
  if (template === "{body}") return bodyReplayKey(vendor, deliveryId);
  if (template === "{signature}" && delivery.signature) return signatureReplayKey(vendor, delivery.signature);
  const parts: DeliveryParts = { bodyDigest: deliveryId, header, timestamp: delivery.timestamp, id: delivery.id, signature: delivery.signature };
  return replayKey(vendor, template, parts);
}

/** The replay check, last: only a delivery that would be accepted is remembered. */
function remember(plan: VendorPlan, webhook: VerifiedWebhook, replayCache: ReplayCache): Promise<WebhookResult> {
  const { replay } = plan.webhooks;
  if (!replay || webhook.replayKey === undefined) return Promise.resolve(webhook);
  if (replayCache.firstSeenNow) {
    // A cache that answers at once (memory, SQLite): one settled promise instead of a chain of them.
    try {
      return Promise.resolve(replayCache.firstSeenNow(webhook.replayKey, replay.ttlSeconds) ? webhook : replayedDelivery(webhook.vendor));
    } catch (error) {
      return settledRejection(webhook.vendor, error);
    }
  }
  return replayCache.firstSeen(webhook.replayKey, replay.ttlSeconds).then((first) => (first ? webhook : replayedDelivery(webhook.vendor)), rejectedAs(webhook.vendor));
}

function replayedDelivery(vendor: string): RejectedWebhook {
  return { ok: false, vendor, error: new ConnectorError("replayed", "this delivery was already received", { vendor }) };
}

/** A ConnectorError becomes a rejected delivery (the vendor gets a 4xx); anything else stays a failure. */
function rejectedAs(vendor: string): (error: unknown) => RejectedWebhook {
  return (error) => {
    if (error instanceof ConnectorError) return { ok: false, vendor, error };
    throw error;
  };
}

function settledRejection(vendor: string, error: unknown): Promise<WebhookResult> {
  return error instanceof ConnectorError ? Promise.resolve({ ok: false, vendor, error }) : Promise.reject(error);
}

interface Authenticated {
  readonly timestamp?: string | undefined;
  readonly id?: string | undefined;
  readonly signature?: string | undefined;
}

function authenticate(plan: VendorPlan, request: WebhookRequest, header: HeaderReader, body: Buffer, nowMs: number): Authenticated | Promise<Authenticated> {
  const { scheme } = plan;
  const vendor = plan.definition.id;
  if (scheme instanceof HmacScheme || scheme instanceof AsymmetricScheme) {
    const { spec } = scheme;
    const sent = header(plan.signatureHeader!);
    if (!sent || !sent.trim()) throw new ConnectorError("missing_header", `${spec.header} header is missing`, { vendor });
    const fields = spec.fields ? headerFields(sent, spec.fields) : undefined;
    const timestamp = spec.timestamp ? checkTimestamp(spec.timestamp, sentTimestamp(plan, spec, header, fields), plan.timestampWhere, nowMs, vendor) : undefined;
    const id = plan.idHeader ? header(plan.idHeader)?.trim() : undefined;
    if (spec.id && !id) throw new ConnectorError("missing_header", `${spec.id.header} header is missing`, { vendor });
    if (scheme instanceof HmacScheme) return { timestamp, id, signature: scheme.verify({ body, timestamp, id, header, fields, sent }) };
    const { keyId: keyIdSource } = scheme.spec;
    const keyId = keyIdSource ? (keyIdSource.field ? fields?.get(keyIdSource.field)?.[0] : header(keyIdSource.header!))?.trim() : undefined;
    const signature = scheme.verify({ body, timestamp, id, header, fields, keyId }, nowMs);
    return signature instanceof Promise ? signature.then((verifiedSignature) => ({ timestamp, id, signature: verifiedSignature })) : { timestamp, id, signature };
  }
  if (scheme instanceof SharedSecretScheme) scheme.verify(header);
  else scheme.verify(header, request.sourceIp);
  return NOTHING_SIGNED;
}

const NOTHING_SIGNED: Authenticated = Object.freeze({});

/** The sent timestamp: its own header, or a field of the structured signature header. */
function sentTimestamp(plan: VendorPlan, spec: HmacScheme["spec"] | AsymmetricScheme["spec"], header: HeaderReader, fields: Map<string, string[]> | undefined): string | undefined {
  const timestamp = spec.timestamp!;
  return timestamp.field ? fields?.get(timestamp.field)?.[0] : header(plan.timestampHeader!);
}

export interface SignOptions {
  /** Unix time in the manifest's unit; defaults to now. */
  readonly timestamp?: string | number;
  readonly id?: string;
  readonly now?: number;
  /** Asymmetric schemes: the private key to sign with (a test key; we never hold the vendor's). */
  readonly privateKey?: KeyObject | string;
}

/** The headers a vendor would send with `rawBody`: for the CLI, for testing an endpoint, and for our own tests. */
export function signWebhook(
  definition: VendorDefinition,
  credentials: VendorCredentials,
  rawBody: Uint8Array | string,
  options: SignOptions = {},
): Record<string, string> {
  const scheme = schemeFor(definition, credentials);
  if (scheme instanceof SharedSecretScheme) {
    const spec = webhooksOf(definition.manifest).signature;
    return spec.scheme === "shared-secret" ? { [spec.header]: scheme.sign() } : {};
  }
  if (scheme instanceof UnsignedScheme) return scheme.sign();
  const { spec } = scheme;
  const headers: Record<string, string> = {};
  const nowMs = options.now ?? Date.now();
  let timestamp: string | undefined;
  if (spec.timestamp) {
    timestamp = String(options.timestamp ?? (spec.timestamp.unit === "ms" ? nowMs : Math.floor(nowMs / 1000)));
    if (spec.timestamp.header) headers[spec.timestamp.header] = timestamp;
  }
  let id: string | undefined;
  if (spec.id) {
    id = options.id ?? `msg_${randomBytes(12).toString("hex")}`;
    headers[spec.id.header] = id;
  }
  const parts = { body: bodyBytes(rawBody), timestamp, id, header: headerReader(headers) };
  let signature: string;
  if (scheme instanceof HmacScheme) signature = scheme.sign(parts);
  else if (options.privateKey) signature = scheme.sign(parts, options.privateKey);
  else throw new ConnectorError("missing_setting", "signing for an asymmetric scheme needs a private key", { vendor: definition.id });
  const timestampField = spec.timestamp?.field && timestamp !== undefined ? { name: spec.timestamp.field, value: timestamp } : undefined;
  headers[spec.header] = formatSignatureHeader(spec, signature, timestampField);
  return headers;
}

function printable(value: string): string {
  return value.replace(/[^\w.-]/g, "?").slice(0, 64);
}
