import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createEmbeddedBackends } from "../backends/embedded/index.js";
import { ensurePrivateDirectory, tightenIfPresent } from "../backends/embedded/private-files.js";
import { createConnectorEngine, type ConnectorEngine } from "../connector-engine.js";
import { ConnectorError } from "../errors.js";
import { credentialsFromEnv, envVarName, type VendorCredentials } from "../manifest/credentials.js";
import { loadHooksBeside, type VendorHooks } from "../manifest/hooks.js";
import { formatProblem } from "../manifest/problems.js";
import { loadVendorCatalog } from "../manifest/vendor-catalog.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { Logger } from "../logging/logger.js";
import type { Backends } from "../ports/backends.js";
import type { JobFailureHook } from "../queue/job-failure.js";
import { startSyncScheduler } from "../sync/scheduler.js";
import { createJobProcessor, createWorker, type EventDelivery, type JobReport, type Worker } from "../queue/index.js";
import { generateSandboxCredentials, loadSandboxDefinition } from "../sandbox/sandbox-manifest.js";
import { SandboxVendor } from "../sandbox/sandbox-vendor.js";
import { appendDeliveryLine, jobLogEntry, type JobLogger } from "./delivery-log.js";
import { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from "./fetch-handler.js";
import { toNodeListener } from "./node-http.js";
import { awsBackendsFromEnvironment, backendKindFromEnvironment } from "./lambda-backends.js";
import { requireAdminToken } from "./local-authorization.js";
import { localConnectLinkKeys } from "./local-connect-link-keys.js";
import { jsonLinesToStdout, type RequestLogger } from "./request-log.js";

export interface LocalServerOptions {
  /** Default 8787; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The app's own manifest files or folders, added to the built-in vendors (and replacing them by id). */
  readonly vendorPaths?: readonly string[];
  /** Serve the vendors shipped with the package. Default true. */
  readonly builtinVendors?: boolean;
  /** Serve the sandbox vendor (its authorization server and API under /sandbox) with generated credentials. */
  readonly sandbox?: boolean;
  /** Load vendors whose API is retired. */
  readonly allowRetired?: boolean;
  /** Holds connector.db, token keys and deliveries.jsonl. Default .synheart. */
  readonly directory?: string;
  /** Where credentials are read from. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * `embedded` (SQLite in `directory`, local keys) or `aws` (DynamoDB, SQS and KMS from SYNHEART_DYNAMODB_TABLE,
   * SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID). Default: SYNHEART_BACKEND, else aws when SYNHEART_DYNAMODB_TABLE
   * is set, else embedded.
   */
  readonly backend?: "embedded" | "aws";
  /** Backends to use instead (tests wrap them to simulate outages). */
  readonly backends?: Backends;
  readonly logger?: RequestLogger;
  readonly jobLogger?: JobLogger;
  /** Called after each delivered event is written to deliveries.jsonl. */
  readonly onDelivery?: (delivery: EventDelivery) => void;
  readonly onJob?: (report: JobReport) => void;
  /** Where the worker reports failed and dead-lettered jobs and queue errors. Default: JSON lines on stdout. */
  readonly workerLogger?: Logger;
  readonly onJobError?: JobFailureHook;
  /** Long-poll wait of the worker. Default 1 s (a local SQLite queue is cheap to poll). */
  readonly workerWaitMs?: number;
  /** Run no worker (jobs stay in the queue). */
  readonly worker?: boolean;
  /** How often the pull-sync schedule ticks (polls, reconciliation) beside the worker. Default 60 s. */
  readonly syncScheduleIntervalMs?: number;
  readonly handler?: Omit<FetchHandlerOptions, "logger">;
}

export interface UnconfiguredVendor {
  readonly id: string;
  readonly displayName: string;
  /** Environment variables still to set. */
  readonly missing: readonly string[];
}

export interface LocalServer {
  readonly origin: string;
  /** Which backends serve the store and the queue ("custom" when `backends` was passed). */
  readonly backend: "embedded" | "aws" | "custom";
  readonly engine: ConnectorEngine;
  readonly handler: FetchHandler;
  readonly configured: readonly VendorDefinition[];
  readonly unconfigured: readonly UnconfiguredVendor[];
  /** Manifests refused (errors) or skipped (retired), as `file:line:col: message`. */
  readonly refused: readonly string[];
  readonly sandbox?: SandboxVendor;
  readonly deliveriesFile: string;
  readonly worker?: Worker;
  /** A signed connect link for the user (the start URL to open in a browser). Default TTL 1 hour. */
  connectUrl(vendorId: string, userId: string, ttlSeconds?: number): string;
  close(): Promise<void>;
}

/** The whole connector on one machine: HTTP server, embedded store and queue, and a worker in the same process. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const env = options.env ?? process.env;
  const backend = options.backends ? "custom" : (options.backend ?? serverBackendFromEnvironment(env));
  const directory = options.directory ?? ".synheart";
  const deliveriesFile = join(directory, "deliveries.jsonl");
  ensurePrivateDirectory(directory);
  tightenIfPresent(deliveriesFile);

  const loaded = await loadVendorCatalog({
    vendorPaths: options.vendorPaths ?? [],
    builtinVendors: options.builtinVendors ?? true,
    allowRetired: options.allowRetired ?? false,
  });
  const skippedFiles = new Set(loaded.skipped.map((vendor) => vendor.source));
  const refused = loaded.problems
    .filter((problem) => problem.severity === "error" || (problem.path === "/lifecycle" && skippedFiles.has(problem.file)))
    .map(formatProblem);

  const credentials: Record<string, VendorCredentials> = {};
  const unconfigured: UnconfiguredVendor[] = [];
  for (const vendor of loaded.vendors) {
    try {
      const found = credentialsFromEnv(vendor.manifest, env);
      if (found) credentials[vendor.id] = found;
      else unconfigured.push({ id: vendor.id, displayName: vendor.manifest.displayName, missing: requiredVariables(vendor, env) });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      unconfigured.push({ id: vendor.id, displayName: vendor.manifest.displayName, missing: requiredVariables(vendor, env) });
    }
  }

  // Listen first: the sandbox manifest and redirect URIs need the real port.
  let serveRequest: FetchHandler = async () => new Response("starting", { status: 503 });
  const server: Server = createServer(toNodeListener((request, context) => serveRequest(request, context)));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  let vendors = loaded.vendors;
  let sandbox: SandboxVendor | undefined;
  let engine: ConnectorEngine;
  let handler: FetchHandler;
  try {
    if (options.sandbox) {
      const definition = loadSandboxDefinition(origin);
      const sandboxCredentials = generateSandboxCredentials();
      credentials[definition.id] = sandboxCredentials;
      vendors = [definition, ...vendors.filter((vendor) => vendor.id !== definition.id)];
      sandbox = new SandboxVendor({
        origin,
        definition,
        credentials: sandboxCredentials,
        webhookUrl: `${origin}/webhooks/${definition.id}`,
        callbackUrl: `${origin}/oauth/${definition.id}/callback`,
      });
    }
    const hooks: Record<string, VendorHooks | undefined> = {};
    for (const vendor of vendors) if (credentials[vendor.id]) hooks[vendor.id] = await loadHooksBeside(vendor);
    const backends = options.backends ?? (backend === "aws" ? await awsBackendsFromEnvironment(env) : createEmbeddedBackends({ directory, env }));
    engine = createConnectorEngine({
      vendors,
      backends,
      credentials,
      hooks,
      env,
      connectLinkKeys: localConnectLinkKeys(directory, env),
      // The sandbox vendor is this server itself, on plain http; no other vendor gets that exception.
      ...(sandbox ? { allowInsecureHttp: [vendors[0]!.id] } : {}),
    });
    handler = createFetchHandler(engine, {
      authorize: requireAdminToken(env.SYNHEART_ADMIN_TOKEN),
      ...(env.SYNHEART_PUBLIC_URL ? { publicOrigin: env.SYNHEART_PUBLIC_URL } : {}),
      ...options.handler,
      logger: options.logger ?? jsonLinesToStdout,
    });
  } catch (error) {
    await closeServer();
    throw error;
  }
  const route = handler;
  serveRequest = (request, context) => (sandbox?.owns(new URL(request.url).pathname) ? sandbox.handle(request) : route(request, context));

  let worker: Worker | undefined;
  if (options.worker ?? true) {
    const jobLog = options.jobLogger ?? ((entry) => process.stdout.write(JSON.stringify(entry) + "\n"));
    const processJob = createJobProcessor(engine, async (delivery) => {
      await appendDeliveryLine(deliveriesFile, delivery);
      options.onDelivery?.(delivery);
    });
    worker = createWorker({
      queue: engine.backends.jobQueue,
      process: processJob,
      concurrency: 4,
      waitMs: options.workerWaitMs ?? 1000,
      retry: { baseMs: 500, maxMs: 30_000 },
      ...(options.workerLogger ? { logger: options.workerLogger } : {}),
      ...(options.onJobError ? { onError: options.onJobError } : {}),
      onReport: (report) => {
        jobLog(jobLogEntry(report));
        options.onJob?.(report);
      },
    });
    worker.start();
  }
  const scheduler = options.worker ?? true ? startSyncScheduler(engine, { intervalMs: options.syncScheduleIntervalMs ?? 60_000 }) : undefined;

  return {
    origin,
    backend,
    engine,
    handler,
    configured: engine.vendors,
    unconfigured,
    refused,
    ...(sandbox ? { sandbox } : {}),
    deliveriesFile,
    ...(worker ? { worker } : {}),
    connectUrl(vendorId, userId, ttlSeconds = 3600) {
      return engine.connectLink({ vendor: vendorId, userId, ttlSeconds, baseUrl: env.SYNHEART_PUBLIC_URL ?? origin }).url!;
    },
    async close() {
      await scheduler?.stop();
      await worker?.stop();
      await closeServer();
      await engine.close();
    },
  };
}

function serverBackendFromEnvironment(env: Readonly<Record<string, string | undefined>>): "embedded" | "aws" {
  const kind = backendKindFromEnvironment(env) ?? "embedded";
  if (kind === "memory") throw new ConnectorError("missing_setting", "SYNHEART_BACKEND=memory is for Lambda smoke tests; the server runs on embedded or aws");
  return kind;
}

function requiredVariables(vendor: VendorDefinition, env: Readonly<Record<string, string | undefined>>): string[] {
  const names = [envVarName(vendor.id, "clientId"), envVarName(vendor.id, "clientSecret")];
  for (const [name, setting] of Object.entries(vendor.manifest.settings ?? {})) {
    if (setting.required ?? true) names.push(envVarName(vendor.id, name));
  }
  return names.filter((name) => !env[name]);
}
