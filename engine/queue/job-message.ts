import { ConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { EventJob, Job, SyncJob, SyncTask } from "../ports/job-queue.js";

/**
 * The body of a queue message: `JSON.stringify({ event, enqueuedAt })` for an event, `{ kind: "sync", task, enqueuedAt }`
 * for a pull-sync task; the format SqsJobQueue sends. The Lambda SQS handler gets raw records, so it decodes bodies
 * with this same codec.
 */
export function encodeJobMessage(job: Job): string {
  if (job.kind === "sync") return JSON.stringify({ kind: "sync", task: job.task, enqueuedAt: job.enqueuedAt });
  return JSON.stringify({ event: job.event, enqueuedAt: job.enqueuedAt });
}

/** Throws ConnectorError("malformed_body") for a body that is not a job (it must fail, so it ends in the dead-letter queue). */
export function decodeJobMessage(body: string): Job {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed("not JSON");
  }
  if (!isRecord(parsed) || typeof parsed.enqueuedAt !== "number") throw malformed("no enqueuedAt");
  if (parsed.kind === "sync") return { kind: "sync", task: checkSyncTask(parsed.task), enqueuedAt: parsed.enqueuedAt };
  if (!isRecord(parsed.event)) throw malformed("no event");
  return { event: checkEvent(parsed.event), enqueuedAt: parsed.enqueuedAt } satisfies EventJob;
}

function checkEvent(event: Record<string, unknown>): NormalizedEvent {
  for (const field of ["id", "vendor", "type", "userId"] as const) {
    if (typeof event[field] !== "string") throw malformed(`event.${field} is not a string`);
  }
  if (event.delivery !== "push" && event.delivery !== "fetch") throw malformed("event.delivery is neither push nor fetch");
  if (event.delivery === "fetch" && (!isRecord(event.fetch) || typeof event.fetch.url !== "string")) {
    throw malformed("a fetch event without fetch.url");
  }
  if (event.authenticity !== undefined && event.authenticity !== "verified" && event.authenticity !== "unverified") {
    throw malformed("event.authenticity is neither verified nor unverified");
  }
  // A job enqueued before events carried authenticity: nothing says it was verified, so it is not taken as such.
  const authenticity = event.authenticity ?? "unverified";
  return { ...event, authenticity } as unknown as NormalizedEvent;
}

const PURPOSES = new Set(["backfill", "poll", "reconciliation", "on_demand"]);

/** A sync task as stored: checked field by field, since anyone allowed to send to the queue can write one. */
export function checkSyncTask(task: unknown): SyncTask {
  if (!isRecord(task)) throw malformed("no task");
  for (const field of ["vendor", "userId", "runId"] as const) {
    if (typeof task[field] !== "string" || task[field] === "") throw malformed(`task.${field} is not a string`);
  }
  if (!PURPOSES.has(task.purpose as string)) throw malformed("task.purpose is unknown");
  if (task.kind === "sync-plan") {
    if (!isTime(task.until)) throw malformed("task.until is not a time");
    if (task.since !== undefined && !isTime(task.since)) throw malformed("task.since is not a time");
    if (task.streams !== undefined && !(Array.isArray(task.streams) && task.streams.every((name) => typeof name === "string"))) {
      throw malformed("task.streams is not a list of names");
    }
    return task as unknown as SyncTask;
  }
  if (task.kind === "sync-window") {
    if (typeof task.stream !== "string") throw malformed("task.stream is not a string");
    if (!Number.isSafeInteger(task.index) || (task.index as number) < 0) throw malformed("task.index is not an index");
    if (!isTime(task.from) || !isTime(task.to) || (task.from as number) >= (task.to as number)) throw malformed("task window is not a time range");
    return task as unknown as SyncTask;
  }
  throw malformed("task.kind is unknown");
}

export function syncJob(task: SyncTask, enqueuedAt: number): SyncJob {
  return { kind: "sync", task, enqueuedAt };
}

function isTime(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(reason: string): ConnectorError {
  return new ConnectorError("malformed_body", `queue message is not a job: ${reason}`);
}
