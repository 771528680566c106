import { ConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { EventJob } from "../ports/job-queue.js";

/**
 * The body of a queue message: `JSON.stringify({ event, enqueuedAt })`, the format SqsJobQueue sends.
 * The Lambda SQS handler gets raw records, so it decodes bodies with this same codec.
 */
export function encodeJobMessage(job: EventJob): string {
  return JSON.stringify({ event: job.event, enqueuedAt: job.enqueuedAt });
}

/** Throws ConnectorError("malformed_body") for a body that is not a job (it must fail, so it ends in the dead-letter queue). */
export function decodeJobMessage(body: string): EventJob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed("not JSON");
  }
  if (!isRecord(parsed) || typeof parsed.enqueuedAt !== "number" || !isRecord(parsed.event)) throw malformed("no event");
  const event = parsed.event;
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
  return { event: { ...event, authenticity } as unknown as NormalizedEvent, enqueuedAt: parsed.enqueuedAt };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(reason: string): ConnectorError {
  return new ConnectorError("malformed_body", `queue message is not a job: ${reason}`);
}
