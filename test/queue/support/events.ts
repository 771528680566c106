import { randomUUID } from "node:crypto";
import type { NormalizedEvent } from "../../../engine/events.js";
import { QUEUE_VENDOR } from "./test-vendor.js";

export function pushEvent(vendorUserId: string, data: unknown = { score: 91 }, vendor = QUEUE_VENDOR): NormalizedEvent {
  return { id: `push-${randomUUID()}`, vendor, type: "sleep.updated", userId: vendorUserId, delivery: "push", data, authenticity: "verified" };
}

export function fetchEvent(vendorUserId: string, url: string, goneStatuses: readonly number[] = [404, 410]): NormalizedEvent {
  return {
    id: `ping-${randomUUID()}`,
    vendor: QUEUE_VENDOR,
    type: "sleep.updated",
    userId: vendorUserId,
    delivery: "fetch",
    fetch: { method: "GET", url, goneStatuses },
    data: { ping: true },
    authenticity: "verified",
  };
}
