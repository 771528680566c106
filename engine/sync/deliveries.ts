import { createHash } from "node:crypto";
import type { NormalizedEvent } from "../events.js";
import { isoFromMillis } from "../iso-time.js";
import type { Stream } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import type { SyncPurpose } from "../ports/job-queue.js";
import type { ConnectorError } from "../errors.js";
import type { EventDelivery } from "../queue/job-processor.js";
import type { HealthRecord } from "../records/records.generated.js";
import type { RunState } from "./sync-state.js";

/** `event.type` of the delivery that tells the sink a stream's historical sync (backfill, on-demand run) is complete. */
export const SYNC_COMPLETED_EVENT_TYPE = "sync.completed";

export interface RecordContext {
  readonly vendor: string;
  readonly stream: DeepReadonly<Stream>;
  /** Our user id. */
  readonly userId: string;
  readonly vendorUserId: string | undefined;
  readonly purpose: SyncPurpose;
}

/** The record's normalized records by the manifest's `records` mappings of the stream, or none and why (an invalid record). */
export interface NormalizedRecords {
  readonly records: readonly HealthRecord[];
  readonly recordError?: ConnectorError;
}

/** A record read from a stream, as the sink receives it: the same shape as a pushed webhook event. */
export function recordDelivery(context: RecordContext, recordId: string, record: unknown, occurredAtMs: number | undefined, normalized: NormalizedRecords): EventDelivery {
  const occurredAt = occurredAtMs === undefined ? undefined : isoFromMillis(occurredAtMs);
  const event: NormalizedEvent = {
    // Stable per record, so a consumer de-duplicating on event ids sees one id however often the record is read.
    id: stableId(context.vendor, context.stream.name, recordId),
    vendor: context.vendor,
    type: context.stream.eventType ?? context.stream.name,
    userId: context.vendorUserId ?? "",
    resourceId: recordId,
    ...(occurredAt ? { occurredAt } : {}),
    delivery: "push",
    data: record,
    // Read from the vendor's API with the user's token over TLS: the vendor said it, nobody else could.
    authenticity: "verified",
  };
  return {
    event,
    data: record,
    userId: context.userId,
    source: context.purpose,
    stream: context.stream.name,
    authenticity: "verified",
    records: normalized.records,
    ...(normalized.recordError ? { recordError: normalized.recordError } : {}),
  };
}

/** The delivery that says a historical run of a stream has read (or asked for) everything in its range. */
export function completionDelivery(context: RecordContext, runId: string, run: RunState): EventDelivery {
  const data = {
    stream: context.stream.name,
    purpose: run.purpose,
    runId,
    from: isoFromMillis(run.from),
    to: isoFromMillis(run.to),
    records: run.records,
    mode: context.stream.mode ?? "pull",
  };
  const event: NormalizedEvent = {
    id: stableId(context.vendor, context.stream.name, `run:${runId}`),
    vendor: context.vendor,
    type: SYNC_COMPLETED_EVENT_TYPE,
    userId: context.vendorUserId ?? "",
    delivery: "push",
    data,
    authenticity: "verified",
  };
  return { event, data, userId: context.userId, source: context.purpose, stream: context.stream.name, authenticity: "verified", records: [] };
}

function stableId(vendor: string, stream: string, recordId: string): string {
  return createHash("sha256").update(`${vendor}\u0000${stream}\u0000${recordId}`).digest("hex").slice(0, 32);
}
