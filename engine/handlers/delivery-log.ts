import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { EventDelivery, JobReport } from "../queue/index.js";
import { hashUserId } from "./request-log.js";

/** One line per job, like the request lines: no data, no tokens, the user id hashed. */
export interface JobLogEntry {
  readonly kind: "job";
  readonly time: string;
  readonly vendor: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly userHash?: string;
  readonly outcome: string;
  readonly receiveCount: number;
  readonly retryInMs?: number;
  readonly errorCode?: string;
  readonly latencyMs: number;
}

export type JobLogger = (entry: JobLogEntry) => void;

export function jobLogEntry(report: JobReport): JobLogEntry {
  const { event } = report.received.job;
  const base = {
    kind: "job" as const,
    time: new Date().toISOString(),
    vendor: event.vendor,
    eventType: event.type,
    eventId: event.id,
    receiveCount: report.received.receiveCount,
    latencyMs: Math.round(report.durationMs * 100) / 100,
  };
  if (report.result === "failed") {
    const code = (report.error as { code?: unknown } | undefined)?.code;
    return { ...base, outcome: "retry", retryInMs: report.retryInMs, errorCode: typeof code === "string" ? code : (report.error as Error)?.name ?? "error" };
  }
  const userId = "userId" in report.outcome ? report.outcome.userId : undefined;
  const outcome = report.outcome.status === "skipped" ? `skipped:${report.outcome.reason}` : report.outcome.status;
  return { ...base, outcome, ...(userId ? { userHash: hashUserId(userId) } : {}) };
}

/**
 * The local sink of `serve`: each delivered event with its data as one JSON line. A user's real sink would write to
 * their database; this file is what a newcomer opens to see the result.
 */
export async function appendDeliveryLine(file: string, delivery: EventDelivery): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const line = { deliveredAt: new Date().toISOString(), userId: delivery.userId, event: delivery.event, data: delivery.data, ...(delivery.records.length > 0 ? { records: delivery.records } : {}) };
  // Health data: owner only. The mode applies when the file is created; the local server tightens an existing one.
  await appendFile(file, JSON.stringify(line) + "\n", { encoding: "utf8", mode: 0o600 });
}
