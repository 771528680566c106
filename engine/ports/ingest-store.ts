import type { NormalizedEvent } from "../events.js";

/** One verified delivery, ready to be stored. */
export interface IngestDelivery {
  /** Stored all together or not at all. */
  readonly events: readonly NormalizedEvent[];
  /** The delivery's replay key and how long it is remembered; absent for vendors without replay protection. */
  readonly replay?: { readonly key: string; readonly ttlSeconds: number };
}

export type AdmitResult =
  /** Every event is durably stored and the replay key remembered: acknowledge the delivery. */
  | { readonly status: "stored"; readonly enqueued: readonly string[] }
  /** The replay key was seen and its delivery stored before: nothing stored again. */
  | { readonly status: "replayed" }
  /** Another attempt at this delivery is being stored right now (AWS): ask the vendor to retry after this long. */
  | { readonly status: "in_progress"; readonly retryAfterSeconds: number }
  /** Nothing was acknowledged and the key is not remembered, so the vendor's retry is taken as new. */
  | { readonly status: "failed"; readonly reason: string };

/**
 * The receive side of ingest: "remember the replay key" and "store the jobs" as one step, so that no crash between
 * the two can leave a remembered key without its events (the vendor's retry would be refused as a replay and the
 * delivery lost). SQLite: one transaction. DynamoDB + SQS: an idempotency record (`in_progress` with a short expiry,
 * enqueue, `completed`). At least once: a delivery may be stored twice after a crash, never zero times after a 2xx.
 */
export interface IngestStore {
  admit(delivery: IngestDelivery): Promise<AdmitResult>;
}

/**
 * The named points between the steps of an admit, for fault-injection tests only: a hook that throws (SQLite, inside
 * the transaction) or never settles (AWS) there behaves like the process dying at that point.
 */
export type IngestStep =
  | "replay-key-recorded"
  | "jobs-written"
  | "committed"
  | "claimed"
  | "enqueued"
  | "completed";

export type IngestFaultHook = (step: IngestStep) => void | Promise<void>;
