import type { ConnectorEngine } from "../connector-engine.js";
import { forEachConcurrently } from "../queue/concurrency.js";
import { createJobProcessor, type EventSink, type JobOutcome, type JobProcessor, type JobProcessorOptions } from "../queue/job-processor.js";
import { createLogger, type Logger } from "../logging/logger.js";
import { jobFailure, reportJobFailure, type JobFailureHook } from "../queue/job-failure.js";
import { decodeJobMessage } from "../queue/job-message.js";
import { jobIdentity } from "../ports/job-queue.js";

// The parts of the Lambda SQS event we read, as AWS documents it (no @types/aws-lambda dependency).
export interface SqsMessageAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: string;
  readonly stringListValues?: readonly string[];
  readonly binaryListValues?: readonly string[];
}

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: {
    readonly ApproximateReceiveCount: string;
    readonly SentTimestamp?: string;
    readonly SenderId?: string;
    readonly ApproximateFirstReceiveTimestamp?: string;
    /** FIFO queues only. */
    readonly MessageGroupId?: string;
    readonly MessageDeduplicationId?: string;
    readonly SequenceNumber?: string;
    readonly [name: string]: string | undefined;
  };
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly md5OfBody: string;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The partial batch response; needs `ReportBatchItemFailures` on the event source mapping. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type SqsRecordReport =
  | { readonly messageId: string; readonly receiveCount: number; readonly outcome: JobOutcome }
  /** `processed: false`: not attempted, because an earlier message of its FIFO group (or batch) failed. */
  | { readonly messageId: string; readonly receiveCount: number; readonly error: unknown; readonly processed: boolean };

export interface SqsBatchOptions {
  /** Records (standard queues) or message groups (FIFO) processed at once. Default 10. */
  readonly concurrency?: number;
  /**
   * FIFO queues: after a failure, `group` (default) reports the rest of that message group as failures and goes on
   * with other groups; `batch` reports every record not yet started.
   */
  readonly fifoFailureScope?: "group" | "batch";
  readonly onReport?: (report: SqsRecordReport) => void;
  /** Called for every record that failed (not for the FIFO records left unprocessed behind it). */
  readonly onError?: JobFailureHook;
  /** Failures are logged here. Default: JSON lines on stdout, which Lambda sends to CloudWatch (SYNHEART_LOG_LEVEL). */
  readonly logger?: Logger;
  /** The queue's maxReceiveCount: a failure on that delivery is reported as dead-lettered. */
  readonly maxReceives?: number;
}

export interface SqsHandlerOptions extends SqsBatchOptions, JobProcessorOptions {}

export type SqsHandler = (event: SqsEvent, context?: LambdaContextLike) => Promise<SqsBatchResponse>;

/** An AWS Lambda handler for the job queue: one bad message is retried alone (partial batch failures). */
export function createSqsHandler(
  engine: Pick<ConnectorEngine, "vendors" | "vendor" | "connectionOfVendorUser">,
  sink: EventSink,
  options: SqsHandlerOptions = {},
): SqsHandler {
  const process = createJobProcessor(engine, sink, options);
  return (event) => handleSqsBatch(event, process, options);
}

/**
 * Processes the records of one SQS event. Completed jobs (delivered, gone, skipped) succeed; a thrown error or a body
 * that is not a job lists the record in `batchItemFailures`, so SQS delivers it again and, after the redrive policy's
 * maxReceiveCount, moves it to the dead-letter queue. On FIFO queues a message group stops at its first failure.
 */
export async function handleSqsBatch(event: SqsEvent, process: JobProcessor, options: SqsBatchOptions = {}): Promise<SqsBatchResponse> {
  const failed = new Set<string>();
  let batchFailed = false;
  const stopBatchOnFailure = options.fifoFailureScope === "batch";
  const logger = options.logger ?? createLogger();
  const report = (entry: SqsRecordReport) => {
    try {
      options.onReport?.(entry);
    } catch {
      // A failing report callback must not fail the batch.
    }
  };

  const unprocessed = (records: readonly SqsRecord[]) => {
    for (const record of records) {
      failed.add(record.messageId);
      report({
        messageId: record.messageId,
        receiveCount: receiveCountOf(record),
        error: new Error("not processed: an earlier message of its FIFO group (or batch) failed"),
        processed: false,
      });
    }
  };

  const runLane = async (lane: readonly SqsRecord[]) => {
    for (const [position, record] of lane.entries()) {
      const fifo = isFifo(record);
      if (fifo && batchFailed && stopBatchOnFailure) return unprocessed(lane.slice(position));
      try {
        const outcome = await process(decodeJobMessage(record.body));
        report({ messageId: record.messageId, receiveCount: receiveCountOf(record), outcome });
      } catch (error) {
        failed.add(record.messageId);
        report({ messageId: record.messageId, receiveCount: receiveCountOf(record), error, processed: true });
        const failure = jobFailure(eventOf(record), receiveCountOf(record), error, options.maxReceives);
        reportJobFailure({ ...failure, messageId: record.messageId }, logger, options.onError);
        if (!fifo) continue;
        batchFailed = true;
        // The group's later messages must not overtake this one: fail them too, so SQS redelivers them in order.
        return unprocessed(lane.slice(position + 1));
      }
    }
  };

  await forEachConcurrently(lanesOf(event.Records), options.concurrency ?? 10, runLane);
  // In event order, so the response reads like the batch.
  return { batchItemFailures: event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({ itemIdentifier: record.messageId })) };
}

/** What a failure report says about the record's event; a body that is not a job is named by its message id. */
function eventOf(record: SqsRecord): { id: string; vendor: string; type: string } {
  try {
    return jobIdentity(decodeJobMessage(record.body));
  } catch {
    return { id: `message:${record.messageId}`, vendor: "unknown", type: "unknown" };
  }
}

function receiveCountOf(record: SqsRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function isFifo(record: SqsRecord): boolean {
  return record.attributes.MessageGroupId !== undefined || record.eventSourceARN.endsWith(".fifo");
}

/** Standard queue: one lane per record. FIFO: one lane per message group, in the order SQS delivered them. */
function lanesOf(records: readonly SqsRecord[]): SqsRecord[][] {
  const lanes: SqsRecord[][] = [];
  const groups = new Map<string, SqsRecord[]>();
  for (const record of records) {
    if (!isFifo(record)) {
      lanes.push([record]);
      continue;
    }
    const group = record.attributes.MessageGroupId ?? "";
    let lane = groups.get(group);
    if (!lane) {
      lane = [];
      groups.set(group, lane);
      lanes.push(lane);
    }
    lane.push(record);
  }
  return lanes;
}
