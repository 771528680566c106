import { createConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { EventSink } from "../queue/job-processor.js";
import { backendsFromEnvironment } from "./lambda-backends.js";
import { createSqsHandler, type SqsHandler, type SqsHandlerOptions, type SqsRecordReport } from "./lambda-sqs.js";
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
    handler ??= createSqsHandler(await getHandler(), sink, { onReport: logFailedRecord, ...options });
    return handler(event, context);
  };
}

function sinkFrom(module: SinkModule): EventSink {
  const candidate = typeof module.default === "function" ? module.default : module.sink;
  if (typeof candidate !== "function") {
    throw new TypeError("the worker's sink module must export a function as its default export or as `sink`: (delivery) => Promise<void>");
  }
  return candidate as EventSink;
}

/** One JSON line per failed record: the message id and the error's code or name, never its message or data. */
function logFailedRecord(report: SqsRecordReport): void {
  if (!("error" in report)) return;
  const { error } = report;
  const errorCode = isConnectorError(error) ? error.code : error instanceof Error ? error.name : "error";
  const cause = error instanceof Error && error.cause instanceof Error ? { cause: error.cause.name } : {};
  process.stdout.write(
    JSON.stringify({ kind: "sqs-record", time: new Date().toISOString(), messageId: report.messageId, receiveCount: report.receiveCount, outcome: report.processed ? "failed" : "not_processed", errorCode, ...cause }) + "\n",
  );
}
