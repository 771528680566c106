import { systemClock, type Clock } from "../clock.js";
import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import type { Authenticity, NormalizedEvent } from "../events.js";
import { instruments } from "../metrics/instruments.js";
import type { EventJob } from "../ports/job-queue.js";
import { recordsOfEvent } from "../records/event-records.js";
import type { HealthRecord } from "../records/records.generated.js";
import { fetchEventResource, readJsonOrText, type ResponseReader } from "./resource-fetch.js";

/** What the user's sink receives: the event, its resource (fetched or pushed) and our user id. */
export interface EventDelivery {
  readonly event: NormalizedEvent;
  readonly data: unknown;
  /** Our user id (the connection's), not the vendor's. */
  readonly userId: string;
  /**
   * The event's `authenticity`, passed on from the webhook: `unverified` when the vendor signs nothing, so anyone
   * could have sent the notification. For a fetch event `data` comes from the vendor's API with the user's token,
   * but which resource was fetched was still named by the unverified notification.
   */
  readonly authenticity: Authenticity;
  /** `data` as normalized health records by the manifest's `records` mappings (schema/records/); empty when none applies. */
  readonly records: readonly HealthRecord[];
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
  | { readonly status: "skipped"; readonly reason: SkipReason; readonly userId?: string };

/**
 * Processes one job. Throws for retryable failures: a SinkError, vendor_api_error (5xx after the client's retries),
 * rate_limit_timeout, backend_unavailable; also for jobs no retry can fix (unknown_vendor, fetch_not_allowed), which
 * thereby end in the dead letters for someone to look at.
 */
export type JobProcessor = (job: EventJob) => Promise<JobOutcome>;

export interface JobProcessorOptions {
  /** Turns the vendor's response into `data`. Default: parsed JSON, else the text, undefined when empty. */
  readonly readResponse?: ResponseReader;
  /** Stamps records' `fetchedAt`. */
  readonly clock?: Clock;
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
  engine: Pick<ConnectorEngine, "vendors" | "vendor" | "connectionOfVendorUser">,
  sink: EventSink,
  options: JobProcessorOptions = {},
): JobProcessor {
  const process = processJob(engine, sink, options.readResponse ?? readJsonOrText, options.clock ?? systemClock);
  // synheart.jobs {vendor, outcome}: every attempt, counted here so the worker, drains and the Lambda handler agree.
  return async (job) => {
    let outcome: JobOutcome;
    try {
      outcome = await process(job);
    } catch (error) {
      instruments().jobs.add(1, { vendor: job.event.vendor, outcome: "failed" });
      throw error;
    }
    instruments().jobs.add(1, { vendor: job.event.vendor, outcome: outcome.status === "skipped" ? `skipped:${outcome.reason}` : outcome.status });
    return outcome;
  };
}

function processJob(
  engine: Pick<ConnectorEngine, "vendors" | "vendor" | "connectionOfVendorUser">,
  sink: EventSink,
  readResponse: ResponseReader,
  clock: Clock,
): JobProcessor {
  return async ({ event }) => {
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
    // A mapping that gives an invalid record throws: the job is retried, then dead-lettered, never half-delivered.
    const records = await recordsOfEvent(engine.vendors, event, data, clock());
    try {
      // A job stored before events carried authenticity says nothing: it is not taken as verified.
      const authenticity = event.authenticity === "verified" ? "verified" : "unverified";
      await sink({ event: event.authenticity === authenticity ? event : { ...event, authenticity }, data, userId, authenticity, records });
    } catch (error) {
      throw new SinkError(event, error);
    }
    return { status: "delivered", userId };
  };
}
