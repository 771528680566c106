import { createConnectorEngine } from "../connector-engine.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { EventSink } from "../queue/job-processor.js";
import { backendsFromEnvironment } from "./lambda-backends.js";
import { createSqsHandler, type SqsHandler, type SqsHandlerOptions, type SqsRecordReport } from "./lambda-sqs.js";
import { createScheduledSyncHandler } from "./lambda-scheduled.js";
import { lazyEngine } from "./lazy-engine.js";

/** What `build --target worker --sink <module>` accepts: a module whose default (or `sink`) export is the sink. */
export interface SinkModule {
  readonly default?: unknown;
  readonly sink?: unknown;
}

/**
 * The entry `synheart-connector build --target worker` bundles: an SQS handler (partial batch responses) over the
 * embedded manifests, delivering to the sink module the build was pointed at. The engine is created on the first
 * batch of a container and shared by the later ones.
 */
export function createBundledSqsHandler(definitions: readonly VendorDefinition[], sinkModule: SinkModule, options: SqsHandlerOptions = {}): SqsHandler {
  const sink = sinkFrom(sinkModule);
  const getHandler = lazyEngine(async () => createConnectorEngine({ vendors: definitions, backends: await backendsFromEnvironment() }));
  let handler: SqsHandler | undefined;
  return async (event, context) => {
    handler ??= createSqsHandler(await getHandler(), sink, { onReport: logUnprocessedRecord, ...options });
    return handler(event, context);
  };
}

/** The pull-sync schedule's tick for EventBridge Scheduler (`worker.scheduled`; docs/aws/connector.cloudformation.yaml). */
export function createBundledScheduledHandler(definitions: readonly VendorDefinition[]): ReturnType<typeof createScheduledSyncHandler> {
  return createScheduledSyncHandler(async () => createConnectorEngine({ vendors: definitions, backends: await backendsFromEnvironment() }));
}

function sinkFrom(module: SinkModule): EventSink {
  const candidate = typeof module.default === "function" ? module.default : module.sink;
  if (typeof candidate !== "function") {
    throw new TypeError("the worker's sink module must export a function as its default export or as `sink`: (delivery) => Promise<void>");
  }
  return candidate as EventSink;
}

/**
 * A record left unprocessed behind a failed one of its FIFO group gets one JSON line here. A record that failed is
 * already logged once by the handler (with its message id, the job's event and the error's code, never its data).
 */
function logUnprocessedRecord(report: SqsRecordReport): void {
  if (!("error" in report) || report.processed) return;
  process.stdout.write(
    JSON.stringify({ kind: "sqs-record", time: new Date().toISOString(), messageId: report.messageId, receiveCount: report.receiveCount, outcome: "not_processed" }) + "\n",
  );
}
