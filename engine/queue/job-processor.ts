import { systemClock, type Clock } from "../clock.js";
import type { ConnectorEngine } from "../connector-engine.js";
import { ConnectorError, isConnectorError } from "../errors.js";
import type { Authenticity, NormalizedEvent } from "../events.js";
import { instruments } from "../metrics/instruments.js";
import type { Job, SyncJob } from "../ports/job-queue.js";
import { recordsOfEvent } from "../records/event-records.js";
import type { HealthRecord } from "../records/records.generated.js";
import { fetchEventResource, readJsonOrText, type ResponseReader } from "./resource-fetch.js";

/** Where a delivery came from: a webhook, or a pull-sync stream read for one of these purposes. */
export type DeliverySource = "webhook" | "backfill" | "poll" | "reconciliation" | "on_demand";

/** What the user's sink receives: the event, its resource (fetched or pushed) and our user id. */
export interface EventDelivery {
  readonly event: NormalizedEvent;
  readonly data: unknown;
  /** Our user id (the connection's), not the vendor's. */
  readonly userId: string;
  readonly source: DeliverySource;
  /** The sync stream the record was read from (absent for webhooks). */
  readonly stream?: string;
  /**
   * The event's `authenticity`, passed on from the webhook: `unverified` when the vendor signs nothing, so anyone
   * could have sent the notification. For a fetch event `data` comes from the vendor's API with the user's token,
   * but which resource was fetched was still named by the unverified notification.
   */
  readonly authenticity: Authenticity;
  /** `data` as normalized health records by the manifest's `records` mappings (schema/records/); empty when none applies. */
  readonly records: readonly HealthRecord[];
  /**
   * Why `records` is empty although a mapping applies: the data gave an invalid record (`record_invalid`, with the
   * record id and JSON path) or the mapping failed (`mapping_failed`). The raw `data` is delivered all the same, and
   * no record is half-filled; a retry would fail the same way, so the job is not retried for it.
   */
  readonly recordError?: ConnectorError;
}

/** The user's code. Throwing fails the job: it is retried, then dead-lettered. Must be idempotent (at-least-once). */
export type EventSink = (delivery: EventDelivery) => Promise<void> | void;

export type SkipReason = "not_connected" | "reauthorization_required";

/** How a job ended. Every outcome is final (the job is acknowledged); retryable failures are thrown instead. */
export type JobOutcome =
  | { readonly status: "delivered"; readonly userId: string }
  /** The vendor said the resource no longer exists (one of the event's goneStatuses). The sink is not called. */
  | { readonly status: "gone"; readonly userId: string; readonly httpStatus: number }
  /** No connection for the vendor's user, or one that needs the user to authorize again. The sink is not called. */
  | { readonly status: "skipped"; readonly reason: SkipReason; readonly userId?: string }
  /** A pull-sync task ran: `delivered` records reached the sink (0 for a plan, a request window or a re-read window). */
  | { readonly status: "synced"; readonly userId: string; readonly delivered: number };

/**
 * Processes one job. Throws for retryable failures: a SinkError, vendor_api_error (5xx after the client's retries),
 * rate_limit_timeout, backend_unavailable; also for jobs no retry can fix (unknown_vendor, fetch_not_allowed), which
 * thereby end in the dead letters for someone to look at.
 */
export type JobProcessor = (job: Job) => Promise<JobOutcome>;

export interface JobProcessorOptions {
  /** Turns the vendor's response into `data`. Default: parsed JSON, else the text, undefined when empty. */
  readonly readResponse?: ResponseReader;
  /** Stamps records' `fetchedAt`. */
  readonly clock?: Clock;
  /** Runs pull-sync jobs and hears of webhook deliveries (engine/sync). Without it a sync job fails (not_supported). */
  readonly sync?: SyncJobHandler;
}

/** The part of engine/sync the job processor calls. */
export interface SyncJobHandler {
  run(job: SyncJob, sink: EventSink): Promise<JobOutcome>;
  /** A webhook event reached the sink: its record counts as delivered for the streams it belongs to. */
  webhookDelivered(event: NormalizedEvent, userId: string): Promise<void>;
}

/** The sink threw; `cause` is what it threw. */
export class SinkError extends Error {
  readonly eventId: string;

  constructor(event: NormalizedEvent, cause: unknown) {
    super(`the sink failed for event ${event.id} (${event.vendor} ${event.type})`, { cause });
    this.name = "SinkError";
    this.eventId = event.id;
  }
}

export function createJobProcessor(
  engine: Pick<ConnectorEngine, "vendors" | "vendor" | "connectionOfVendorUser"> & { readonly sync?: SyncJobHandler },
  sink: EventSink,
  options: JobProcessorOptions = {},
): JobProcessor {
  const process = processJob(engine, sink, options);
  // synheart.jobs {vendor, outcome}: every attempt, counted here so the worker, drains and the Lambda handler agree.
  return async (job) => {
    const vendor = job.kind === "sync" ? job.task.vendor : job.event.vendor;
    let outcome: JobOutcome;
    try {
      outcome = await process(job);
    } catch (error) {
      instruments().jobs.add(1, { vendor, outcome: "failed" });
      throw error;
    }
    instruments().jobs.add(1, { vendor, outcome: outcome.status === "skipped" ? `skipped:${outcome.reason}` : outcome.status });
    return outcome;
  };
}

function processJob(
  engine: Pick<ConnectorEngine, "vendors" | "vendor" | "connectionOfVendorUser"> & { readonly sync?: SyncJobHandler },
  sink: EventSink,
  options: JobProcessorOptions,
): JobProcessor {
  const readResponse = options.readResponse ?? readJsonOrText;
  const clock = options.clock ?? systemClock;
  const sync = options.sync ?? engine.sync;
  return async (job) => {
    if (job.kind === "sync") {
      if (!sync) throw new ConnectorError("not_supported", "a sync job reached a processor without sync");
      return sync.run(job, sink);
    }
    const { event } = job;
    engine.vendor(event.vendor); // unknown_vendor for a vendor this engine does not serve: a configuration error, retried
    const connection = event.userId ? await engine.connectionOfVendorUser(event.vendor, event.userId) : undefined;
    if (!connection) return { status: "skipped", reason: "not_connected" };
    const { userId } = connection;
    if (connection.status === "reauthorization_required") return { status: "skipped", reason: "reauthorization_required", userId };

    let data = event.data;
    if (event.delivery === "fetch") {
      try {
        const fetched = await fetchEventResource(engine, event, userId, readResponse);
        if (fetched.gone) return { status: "gone", userId, httpStatus: fetched.httpStatus };
        data = fetched.data;
      } catch (error) {
        // Disconnected, or the refresh was refused, while the job waited: retrying cannot help until the user acts.
        if (isConnectorError(error, "not_connected")) return { status: "skipped", reason: "not_connected", userId };
        if (isConnectorError(error, "reauthorization_required")) return { status: "skipped", reason: "reauthorization_required", userId };
        throw error;
      }
    }
    const { records, recordError } = await normalized(engine, event, data, clock());
    try {
      // A job stored before events carried authenticity says nothing: it is not taken as verified.
      const authenticity = event.authenticity === "verified" ? "verified" : "unverified";
      await sink({ event: event.authenticity === authenticity ? event : { ...event, authenticity }, data, userId, source: "webhook", authenticity, records, ...(recordError ? { recordError } : {}) });
    } catch (error) {
      throw new SinkError(event, error);
    }
    // Delivered already: failing the job now would deliver it again. Unmarked, reconciliation may send it once more.
    await sync?.webhookDelivered(event, userId).catch(() => undefined);
    return { status: "delivered", userId };
  };
}

/** All of the data's records, or none and the reason: a record is never half-filled, and the raw data still goes on. */
async function normalized(
  engine: Pick<ConnectorEngine, "vendors">,
  event: NormalizedEvent,
  data: unknown,
  nowMillis: number,
): Promise<{ records: readonly HealthRecord[]; recordError?: ConnectorError }> {
  try {
    return { records: await recordsOfEvent(engine.vendors, event, data, nowMillis) };
  } catch (error) {
    if (isConnectorError(error, "record_invalid") || isConnectorError(error, "mapping_failed")) return { records: [], recordError: error };
    throw error;
  }
}
