import { systemClock, type Clock } from "./clock.js";
import { configurationInvalid, ConnectorError, isConnectorError } from "./errors.js";
import type { NormalizedEvent } from "./events.js";
import { credentialsFromEnv, type VendorCredentials } from "./manifest/credentials.js";
import type { VendorHooks } from "./manifest/hooks.js";
import type { VendorDefinition } from "./manifest/vendor-definition.js";
import {
  connectLinkKeysFromEnv,
  parseConnectLinkKeys,
  verifyConnectLink,
  type ConnectLinkClaims,
  type ConnectLinkKeys,
} from "./oauth/connect-link.js";
import { createConnectLink, type ConnectLink, type ConnectLinkRequest } from "./oauth/connect-link-service.js";
import { TokenService, type TokenServiceOptions } from "./oauth/connections.js";
import { observeRefreshes } from "./metrics/refresh-observer.js";
import { assertSecureEndpoints, insecureHttpAllowed } from "./oauth/transport-security.js";
import type { Backends } from "./ports/backends.js";
import type { AdmitResult, IngestDelivery } from "./ports/ingest-store.js";
import type { EnqueueResult } from "./ports/job-queue.js";
import type { StoredConnection } from "./ports/token-store.js";
import type { Logger } from "./logging/logger.js";
import { createSubscriptionService, type SubscriptionService } from "./subscriptions/subscription-service.js";
import { createSyncService, type SyncService } from "./sync/sync-service.js";
import { linkUser, unlinkUser, type LinkedUser } from "./connections/linked-users.js";
import { createWebhookProcessor, type WebhookProcessor, type WebhookRequest, type WebhookResponse, type WebhookResult } from "./webhooks/index.js";

type TokenServiceTuning = Omit<TokenServiceOptions, "vendor" | "credentials" | "tokenStore" | "encryptor" | "pendingAuthorizations" | "leases" | "rateLimiter" | "clock" | "afterConnect" | "beforeRevoke">;

export interface ConnectorEngineOptions {
  readonly vendors: readonly VendorDefinition[];
  readonly backends: Backends;
  /** Per vendor id. Default: read from the environment (SYNHEART_<VENDOR>_CLIENT_ID, ...); vendors without a client id are not served. */
  readonly credentials?: Readonly<Record<string, VendorCredentials | undefined>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hooks?: Readonly<Record<string, VendorHooks | undefined>>;
  readonly clock?: Clock;
  readonly tokenService?: TokenServiceTuning;
  /** Fetches public keys for asymmetric webhook signatures (default: the global fetch). */
  readonly webhookKeyFetch?: typeof fetch;
  /**
   * Keys of signed connect links, the first signs, all verify (rotation). Default: SYNHEART_CONNECT_LINK_KEY
   * (comma-separated). Each at least 32 bytes.
   */
  readonly connectLinkKeys?: readonly string[];
  /**
   * Accept plain-http authorization, token, revocation and API URLs: true for every vendor, or a list of vendor
   * ids (the local sandbox). Local testing only. SYNHEART_ALLOW_INSECURE_HTTP=1 allows it for every vendor. Without
   * either, such a vendor is refused with insecure_url when the engine is created.
   */
  readonly allowInsecureHttp?: boolean | readonly string[];
  /** Where the engine's own operational lines go (today: the fallback to polling when webhooks go silent). Default: JSON lines on stdout. */
  readonly logger?: Logger;
}

/** The whole engine for every configured vendor, on one set of backends. */
export interface ConnectorEngine {
  /** Vendors with credentials: the ones this engine serves. */
  readonly vendors: readonly VendorDefinition[];
  readonly backends: Backends;
  /** OAuth, tokens and the vendor API for one vendor: authorizationUrl, exchangeCode, getUserTokens, refreshIfNeeded, revokeTokens, api. */
  vendor(vendorId: string): TokenService;
  verifyAndParse(vendorId: string, request: WebhookRequest): Promise<WebhookResult>;
  /** Authenticates and maps a delivery without the replay check: store it with `admitDelivery`, which does that check. */
  verifyDelivery(vendorId: string, request: WebhookRequest): Promise<WebhookResult>;
  /** Remembers the delivery's replay key and stores its events as one step (see IngestStore). */
  admitDelivery(delivery: IngestDelivery): Promise<AdmitResult>;
  handshake(vendorId: string, request: WebhookRequest): Promise<WebhookResponse | undefined>;
  /** After a failed enqueue: let the vendor's retry of this delivery through. */
  forgetDelivery(replayKey: string): Promise<void>;
  enqueueEvent(events: NormalizedEvent | readonly NormalizedEvent[]): Promise<EnqueueResult>;
  /** Pull sync (vendors with `sync` streams): backfill, poll, reconciliation and on-demand runs, status per stream. */
  readonly sync: SyncService;
  /** Declared webhook subscriptions: app-level sync and renewal, per-user ones on connect and revoke. */
  readonly subscriptions: SubscriptionService;
  /**
   * For a vendor without OAuth (an aggregator's widget connects the user): link the vendor's user reference to our
   * user, so that deliveries naming it are delivered to that user, without a token.
   */
  linkUser(vendorId: string, link: LinkedUser): Promise<StoredConnection>;
  unlinkUser(vendorId: string, userId: string): Promise<boolean>;
  /** Our user behind a vendor's user id (webhooks carry the vendor's). */
  connectionOfVendorUser(vendorId: string, vendorUserId: string): Promise<StoredConnection | undefined>;
  /**
   * A signed, short-lived link that lets `GET /oauth/:vendor/start?link=<token>` start a connection for `userId`
   * without an `authorize` hook. Mint it in the backend where the user is signed in.
   */
  connectLink(request: ConnectLinkRequest): ConnectLink;
  /** The user a connect link was minted for; connect_link_invalid when forged, expired or for another vendor. */
  verifyConnectLink(vendorId: string, token: string): ConnectLinkClaims;
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
  const env = options.env ?? process.env;
  const allowInsecureHttp = insecureHttpAllowed(options.allowInsecureHttp, env);
  for (const vendor of served) assertSecureEndpoints(vendor, allowInsecureHttp(vendor.id));
  const linkKeys: ConnectLinkKeys = options.connectLinkKeys ? parseConnectLinkKeys(options.connectLinkKeys) : connectLinkKeysFromEnv(env);
  const webhooks: WebhookProcessor = createWebhookProcessor({
    vendors: served,
    credentials,
    replayCache: backends.replayCache,
    clock,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.webhookKeyFetch ? { fetch: options.webhookKeyFetch } : {}),
  });
  let sync: SyncService | undefined;
  let subscriptions: SubscriptionService | undefined;
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
        // A failed subscription fails the connection (no data would arrive); a failed backfill enqueue is healed by the schedule.
        afterConnect: async (userId) => {
          await subscriptions!.userConnected(vendor.id, userId);
          await sync!.connected(vendor.id, userId).catch(() => undefined);
        },
        beforeRevoke: (userId) => subscriptions!.userRevoking(vendor.id, userId),
      }),
    ]),
  );
  const tokenServiceOf = (vendorId: string): TokenService => {
    const service = tokenServices.get(vendorId);
    if (!service) throw unknownVendor(vendorId);
    return service;
  };
  sync = createSyncService({ vendors: served, credentials, tokenService: tokenServiceOf, backends, clock, ...(options.logger ? { logger: options.logger } : {}) });
  subscriptions = createSubscriptionService({
    vendors: served,
    credentials,
    tokenService: tokenServiceOf,
    connection: (vendorId, userId) => backends.tokenStore.get(vendorId, userId),
    connections: backends.tokenStore,
    syncState: backends.syncState,
    clock,
  });

  const servedVendor = (vendorId: string): VendorDefinition => {
    const found = served.find((vendor) => vendor.id === vendorId);
    if (!found) throw unknownVendor(vendorId);
    return found;
  };

  const vendor = (vendorId: string): TokenService => {
    const service = tokenServices.get(vendorId);
    if (!service) throw unknownVendor(vendorId);
    return service;
  };

  return {
    vendors: served,
    backends,
    vendor,
    connectLink: (request) => {
      vendor(request.vendor);
      return createConnectLink(linkKeys, request, clock());
    },
    verifyConnectLink: (vendorId, token) => verifyConnectLink(linkKeys, token, { vendor: vendorId, now: clock() }),
    sync,
    subscriptions,
    verifyAndParse: (vendorId, request) => webhooks.verifyAndParse(vendorId, request),
    verifyDelivery: (vendorId, request) => webhooks.verify(vendorId, request),
    admitDelivery: (delivery) => backends.ingest.admit(delivery),
    handshake: (vendorId, request) => webhooks.handshake(vendorId, request),
    forgetDelivery: (replayKey) => webhooks.forgetDelivery(replayKey),
    enqueueEvent: (events) => backends.jobQueue.enqueue(Array.isArray(events) ? events : [events as NormalizedEvent]),
    linkUser: (vendorId, link) => linkUser(backends, servedVendor(vendorId), link, clock),
    unlinkUser: (vendorId, userId) => unlinkUser(backends, servedVendor(vendorId), userId),
    connectionOfVendorUser: (vendorId, vendorUserId) => backends.tokenStore.findByVendorUserId(vendorId, vendorUserId),
    close: () => backends.close(),
  };
}

function unknownVendor(vendorId: string): ConnectorError {
  return new ConnectorError("unknown_vendor", `no configured vendor "${vendorId.replace(/[^\w.-]/g, "?").slice(0, 64)}"`);
}
