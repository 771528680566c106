import type { Observable, ObservableResult } from "@opentelemetry/api";
import type { JobQueue } from "../ports/job-queue.js";
import { instruments } from "./instruments.js";

/** How many jobs a queue holds, by state; each backend counts what it can (SQS: approximately). */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered?: number;
}

export interface QueueDepthSource {
  queueDepth(): Promise<QueueDepth>;
}

export function hasQueueDepth(queue: JobQueue): queue is JobQueue & QueueDepthSource {
  return typeof (queue as Partial<QueueDepthSource>).queueDepth === "function";
}

/**
 * Reports the queue's depth through the synheart.queue.depth gauge each time the app's metric reader collects.
 * Returns the function that stops it. A queue that cannot count (no queueDepth) reports nothing.
 */
export function observeQueueDepth(queue: JobQueue, attributes: Readonly<Record<string, string>> = {}): () => void {
  if (!hasQueueDepth(queue)) return () => {};
  const gauge: Observable = instruments().queueDepth;
  const callback = async (result: ObservableResult) => {
    let depth: QueueDepth;
    try {
      depth = await queue.queueDepth();
    } catch {
      return; // The queue is down: no figure rather than a wrong zero.
    }
    result.observe(depth.visible, { ...attributes, state: "visible" });
    result.observe(depth.inFlight, { ...attributes, state: "in_flight" });
    if (depth.deadLettered !== undefined) result.observe(depth.deadLettered, { ...attributes, state: "dead_lettered" });
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
