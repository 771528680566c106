import { systemClock, type Clock } from "./clock.js";
import { configurationInvalid, ConnectorError, isConnectorError } from "./errors.js";
import type { NormalizedEvent } from "./events.js";
import { credentialsFromEnv, type VendorCredentials } from "./manifest/credentials.js";
import type { VendorHooks } from "./manifest/hooks.js";
import type { VendorDefinition } from "./manifest/vendor-definition.js";
import { TokenService, type TokenServiceOptions } from "./oauth/connections.js";
import { observeRefreshes } from "./metrics/refresh-observer.js";
import type { Backends } from "./ports/backends.js";
import type { EnqueueResult } from "./ports/job-queue.js";
import type { StoredConnection } from "./ports/token-store.js";
import { createWebhookProcessor, type WebhookProcessor, type WebhookRequest, type WebhookResponse, type WebhookResult } from "./webhooks/index.js";

type TokenServiceTuning = Omit<TokenServiceOptions, "vendor" | "credentials" | "tokenStore" | "encryptor" | "pendingAuthorizations" | "leases" | "rateLimiter" | "clock">;

export interface ConnectorEngineOptions {
  readonly vendors: readonly VendorDefinition[];
  readonly backends: Backends;
  /** Per vendor id. Default: read from the environment (SYNHEART_<VENDOR>_CLIENT_ID, ...); vendors without a client id are not served. */
  readonly credentials?: Readonly<Record<string, VendorCredentials | undefined>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hooks?: Readonly<Record<string, VendorHooks | undefined>>;
  readonly clock?: Clock;
  readonly tokenService?: TokenServiceTuning;
}

/** The whole engine for every configured vendor, on one set of backends. */
export interface ConnectorEngine {
  /** Vendors with credentials: the ones this engine serves. */
  readonly vendors: readonly VendorDefinition[];
  readonly backends: Backends;
  /** OAuth, tokens and the vendor API for one vendor: authorizationUrl, exchangeCode, getUserTokens, refreshIfNeeded, revokeTokens, api. */
  vendor(vendorId: string): TokenService;
  verifyAndParse(vendorId: string, request: WebhookRequest): Promise<WebhookResult>;
  handshake(vendorId: string, request: WebhookRequest): Promise<WebhookResponse | undefined>;
  /** After a failed enqueue: let the vendor's retry of this delivery through. */
  forgetDelivery(replayKey: string): Promise<void>;
  enqueueEvent(events: NormalizedEvent | readonly NormalizedEvent[]): Promise<EnqueueResult>;
  /** Our user behind a vendor's user id (webhooks carry the vendor's). */
  connectionOfVendorUser(vendorId: string, vendorUserId: string): Promise<StoredConnection | undefined>;
  close(): Promise<void>;
}

const backendPorts = ["tokenStore", "pendingAuthorizations", "replayCache", "leases", "rateLimiter", "jobQueue", "encryptor"] as const;

/** Every problem of the options at once: the shape of what was passed, then each vendor's missing variables. */
function engineOptionProblems(options: ConnectorEngineOptions): string[] {
  const problems: string[] = [];
  if (!Array.isArray(options.vendors)) problems.push("vendors must be an array of vendor definitions (loadConnectorEngine loads them)");
  if (typeof options.backends !== "object" || options.backends === null) {
    problems.push("backends is required (createEmbeddedBackends() or createAwsBackends(...))");
  } else {
    const missing = backendPorts.filter((port) => typeof options.backends[port] !== "object" || options.backends[port] === null);
    if (missing.length > 0) problems.push(`backends lacks ${missing.join(", ")}`);
  }
  if (options.clock !== undefined && typeof options.clock !== "function") problems.push("clock must be a function returning epoch milliseconds");
  return problems;
}

export function createConnectorEngine(options: ConnectorEngineOptions): ConnectorEngine {
  const shapeProblems = engineOptionProblems(options);
  if (shapeProblems.length > 0) throw configurationInvalid("invalid engine options", shapeProblems);
  const clock = options.clock ?? systemClock;
  const { backends } = options;
  const credentials: Record<string, VendorCredentials> = {};
  const missing: string[] = [];
  for (const vendor of options.vendors) {
    try {
      const found = options.credentials ? options.credentials[vendor.id] : credentialsFromEnv(vendor.manifest, options.env ?? process.env);
      if (found) credentials[vendor.id] = found;
    } catch (error) {
      if (!isConnectorError(error, "missing_setting")) throw error;
      missing.push(...((error.details?.missing as string[] | undefined) ?? [error.message]));
    }
  }
  // One vendor's incomplete configuration is reported with every other's, in one error, before anything is served.
  if (missing.length > 0) {
    throw new ConnectorError("missing_setting", `not set: ${missing.join(", ")}`, { details: { missing, problems: missing.map((name) => `${name} is not set`) } });
  }
  const served = options.vendors.filter((vendor) => credentials[vendor.id]);
  const webhooks: WebhookProcessor = createWebhookProcessor({
    vendors: served,
    credentials,
    replayCache: backends.replayCache,
    clock,
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  // The token services see the ports through an observer that counts refreshes (OpenTelemetry; a no-op without an SDK).
  const refreshPorts = observeRefreshes({ tokenStore: backends.tokenStore, leases: backends.leases });
  const tokenServices = new Map<string, TokenService>(
    served.map((vendor) => [
      vendor.id,
      new TokenService({
        ...options.tokenService,
        vendor,
        credentials: credentials[vendor.id]!,
        tokenStore: refreshPorts.tokenStore,
        encryptor: backends.encryptor,
        pendingAuthorizations: backends.pendingAuthorizations,
        leases: refreshPorts.leases,
        rateLimiter: backends.rateLimiter,
        clock,
      }),
    ]),
  );

  return {
    vendors: served,
    backends,
    vendor(vendorId) {
      const service = tokenServices.get(vendorId);
      if (!service) throw new ConnectorError("unknown_vendor", `no configured vendor "${vendorId.replace(/[^\w.-]/g, "?").slice(0, 64)}"`);
      return service;
    },
    verifyAndParse: (vendorId, request) => webhooks.verifyAndParse(vendorId, request),
    handshake: (vendorId, request) => webhooks.handshake(vendorId, request),
    forgetDelivery: (replayKey) => webhooks.forgetDelivery(replayKey),
    enqueueEvent: (events) => backends.jobQueue.enqueue(Array.isArray(events) ? events : [events as NormalizedEvent]),
    connectionOfVendorUser: (vendorId, vendorUserId) => backends.tokenStore.findByVendorUserId(vendorId, vendorUserId),
    close: () => backends.close(),
  };
}
