import { randomUUID } from "node:crypto";

/** A receipt names one delivery of one job; a later delivery gets a new token, so stale receipts do nothing. */
export interface JobReceipt {
  readonly jobId: string;
  readonly deliveryToken: string;
}

export const newDeliveryToken = (): string => randomUUID();

export function encodeReceipt(receipt: JobReceipt): string {
  return `${receipt.jobId}.${receipt.deliveryToken}`;
}

export function decodeReceipt(receipt: string): JobReceipt | undefined {
  const separator = receipt.indexOf(".");
  if (separator <= 0 || separator === receipt.length - 1) return undefined;
  return { jobId: receipt.slice(0, separator), deliveryToken: receipt.slice(separator + 1) };
}

export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RECEIVES = 5;
export const DEFAULT_MAX_JOBS = 1;
export const MAX_JOBS_PER_RECEIVE = 100;

export function receiveLimit(maxJobs: number | undefined): number {
  return Math.max(1, Math.min(MAX_JOBS_PER_RECEIVE, Math.floor(maxJobs ?? DEFAULT_MAX_JOBS)));
}
