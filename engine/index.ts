// The engine: manifests in, OAuth, tokens, webhooks and jobs out. Backends live in their own entry points
// (`@synheart/cloud-connector/embedded`, `@synheart/cloud-connector/aws`) so that importing the engine loads neither
// SQLite nor the AWS SDK.
export { createConnectorEngine } from "./connector-engine.js";
export type { ConnectorEngine, ConnectorEngineOptions } from "./connector-engine.js";
export type { LinkedUser } from "./connections/linked-users.js";
export { loadConnectorEngine } from "./load-engine.js";
export type { LoadEngineOptions } from "./load-engine.js";

export { ConnectorError, isConnectorError } from "./errors.js";
export type { ConnectorErrorCode } from "./errors.js";
export type { Authenticity, NormalizedEvent, ResourceFetch } from "./events.js";
export { systemClock } from "./clock.js";
export type { Clock } from "./clock.js";

export { defineVendor, loadManifestFiles, loadManifestText, loadVendors } from "./manifest/loader.js";
export type { LoadOptions, LoadResult } from "./manifest/loader.js";
export { formatProblem } from "./manifest/problems.js";
export type { ManifestProblem } from "./manifest/problems.js";
export { credentialsFromEnv, envVarName } from "./manifest/credentials.js";
export type { VendorCredentials } from "./manifest/credentials.js";
export { defineHooks, loadHooksBeside } from "./manifest/hooks.js";
export type { VendorHooks, HookContext, HookRequest, HookResponse } from "./manifest/hooks.js";
export { lifecycleState } from "./manifest/lifecycle.js";
export type { VendorDefinition, VendorManifest } from "./manifest/vendor-definition.js";

export { createWebhookProcessor, signWebhook } from "./webhooks/index.js";
export type { WebhookProcessor, WebhookRequest, WebhookResponse, WebhookResult, VerifiedWebhook, RejectedWebhook } from "./webhooks/index.js";

export { TokenService, createTokenService } from "./oauth/connections.js";
export type { ConnectionState, ExchangeCodeParameters, ExchangeCodeResult, RefreshOptions, RevokeResult } from "./oauth/connections.js";
export type { TokenSet } from "./oauth/token-set.js";
export type { AuthorizationRequest, AuthorizationUrlParameters } from "./oauth/authorization-url.js";
export { createBrowserBinding, browserBindingHash } from "./oauth/browser-binding.js";
export { CONNECT_LINK_KEY_ENV, mintConnectLink, parseConnectLinkKeys, verifyConnectLink } from "./oauth/connect-link.js";
export type { ConnectLinkClaims, ConnectLinkKeys } from "./oauth/connect-link.js";
export type { ConnectLink, ConnectLinkRequest } from "./oauth/connect-link-service.js";
export { ALLOW_INSECURE_HTTP_ENV } from "./oauth/transport-security.js";
export type { SecurityLogEntry, SecurityLogger } from "./oauth/security-log.js";
export type { SafeCause } from "./safe-cause.js";
export { createVendorApiClient } from "./api/client.js";
export type { BearerTokenSource, VendorApiClientOptions } from "./api/client.js";

export type * from "./ports/index.js";
export { hasDeadLetterQueue } from "./ports/job-queue.js";

export { createJobProcessor, createWorker, processAvailableJobs, SinkError } from "./queue/index.js";
export type { DeliverySource, EventDelivery, EventSink, JobOutcome, JobProcessor, Worker, WorkerOptions } from "./queue/index.js";
export { receiveWebhook } from "./webhooks/ingest.js";
export { createSyncService, runScheduledSync, startSyncScheduler, SYNC_COMPLETED_EVENT_TYPE } from "./sync/index.js";
export type { RunStatus, StartSyncOptions, StreamStatus, SyncService, ScheduledSyncResult, SyncScheduler } from "./sync/index.js";

export { RecordMapper, recordMapperOf, recordsOfEvent, recordsOfStream, recordId, RECORD_TYPES, runRecordFixtures } from "./records/index.js";
export type { HealthRecord, RecordContext, RecordSource, RecordType, RecordFixtureReport } from "./records/index.js";
export type { IngestOutcome, IngestResult } from "./webhooks/ingest.js";

export { builtinVendorsDirectory, sandboxVendorsDirectory } from "./manifest/builtin-vendors.js";
export { loadVendorCatalog } from "./manifest/vendor-catalog.js";
export type { VendorCatalog, VendorCatalogOptions } from "./manifest/vendor-catalog.js";
export type { SkippedVendor } from "./manifest/loader.js";
export { configurationInvalid } from "./errors.js";

export { createLogger, logLevelFromEnv, parseLogLevel, silentLogger as silentJsonLogger } from "./logging/logger.js";
export type { Logger, LogLevel, LogEntry, LogFields, LoggerOptions } from "./logging/logger.js";
export type { JobFailure, JobFailureHook } from "./queue/job-failure.js";
export { METER_NAME, observeQueueDepth } from "./metrics/index.js";
export type { QueueDepth, QueueDepthSource } from "./metrics/index.js";
