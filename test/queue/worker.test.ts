import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { ConnectorError } from "../../engine/errors.js";
import type { JobQueue } from "../../engine/ports/job-queue.js";
import { createJobProcessor, createWorker, type JobOutcome, type JobReport, type Worker } from "../../engine/queue/index.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { storeSealedConnection } from "./support/connections.js";
import { pushEvent } from "./support/events.js";
import { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "./support/test-vendor.js";

const delivered: JobOutcome = { status: "delivered", userId: "u" };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let running: Worker[] = [];
afterEach(async () => {
  await Promise.all(running.map((worker) => worker.stop()));
  running = [];
});

function started(worker: Worker): Worker {
  running.push(worker);
  worker.start();
  return worker;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await pause(5);
  }
}

function events(count: number) {
  return Array.from({ length: count }, (_, index) => pushEvent("vendor-user", { index }));
}

describe("worker", () => {
  it("never has more than `concurrency` jobs in flight, and uses all of it", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(events(40));
    let inFlight = 0;
    let maxInFlight = 0;
    const reports: JobReport[] = [];
    started(
      createWorker({
        queue,
        concurrency: 5,
        waitMs: 50,
        onReport: (report) => reports.push(report),
        process: async () => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await pause(5 + Math.random() * 20);
          inFlight--;
          return delivered;
        },
      }),
    );
    await until(() => reports.length === 40);
    expect(maxInFlight).toBe(5);
    expect(reports.every((report) => report.result === "completed")).toBe(true);
    expect(await queue.receive()).toEqual([]);
  });

  it("extends visibility while a job runs longer than the timeout, so no other consumer gets it", async () => {
    const queue = new MemoryJobQueue();
    const [event] = events(1);
    await queue.enqueue([event!]);
    let calls = 0;
    const reports: JobReport[] = [];
    started(
      createWorker({
        queue,
        visibilityTimeoutMs: 200,
        waitMs: 50,
        onReport: (report) => reports.push(report),
        process: async () => {
          calls++;
          await pause(700);
          return delivered;
        },
      }),
    );
    await until(() => calls === 1);
    // A competing consumer polls throughout the 700 ms run: 3.5 visibility timeouts.
    const stolen = [];
    while (reports.length === 0) {
      stolen.push(...(await queue.receive({ visibilityTimeoutMs: 10_000 })));
      await pause(20);
    }
    expect(stolen).toEqual([]);
    expect(calls).toBe(1);
    expect(reports[0]).toMatchObject({ result: "completed", received: { receiveCount: 1 } });
    expect(await queue.receive()).toEqual([]);
  });

  it("releases a failed job with a backoff delay; it comes back with a higher receive count", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(events(1));
    const reports: JobReport[] = [];
    let calls = 0;
    started(
      createWorker({
        queue,
        waitMs: 20,
        retry: { baseMs: 300 },
        onReport: (report) => reports.push(report),
        process: async () => {
          if (++calls === 1) throw new Error("first try fails");
          return delivered;
        },
      }),
    );
    await until(() => reports.length === 2);
    const [failure, success] = reports;
    expect(failure).toMatchObject({ result: "failed", received: { receiveCount: 1 } });
    const retryInMs = failure?.result === "failed" ? failure.retryInMs : -1;
    expect(retryInMs).toBeGreaterThanOrEqual(150);
    expect(retryInMs).toBeLessThanOrEqual(300);
    expect(success).toMatchObject({ result: "completed", received: { receiveCount: 2 } });
  });

  it("stops gracefully: no new jobs, jobs in flight finish and are acknowledged, the rest stay queued", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(events(10));
    const reports: JobReport[] = [];
    let begun = 0;
    const worker = started(
      createWorker({
        queue,
        concurrency: 3,
        waitMs: 50,
        onReport: (report) => reports.push(report),
        process: async () => {
          begun++;
          await pause(200);
          return delivered;
        },
      }),
    );
    await until(() => begun === 3);
    const stopping = performance.now();
    await worker.stop();
    expect(performance.now() - stopping).toBeGreaterThan(100); // it waited for the jobs in flight
    expect(begun).toBe(3);
    expect(reports.map((report) => report.result)).toEqual(["completed", "completed", "completed"]);
    expect(worker.running).toBe(false);
    expect(worker.inFlight).toBe(0);
    // The other seven are visible at once (none was received and left invisible).
    expect(await queue.receive({ maxJobs: 100 })).toHaveLength(7);
  });

  it("keeps polling through a queue outage and then processes every job exactly once", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(events(5));
    // Fault injection around the real queue: the first three receives fail as an unreachable SQS would.
    let outages = 3;
    const flaky: JobQueue = {
      enqueue: (batch) => queue.enqueue(batch),
      receive: async (options) => {
        if (outages-- > 0) throw new ConnectorError("backend_unavailable", "SQS ReceiveMessage failed");
        return queue.receive(options);
      },
      ack: (receipt) => queue.ack(receipt),
      extendVisibility: (receipt, ms) => queue.extendVisibility(receipt, ms),
      release: (receipt, ms) => queue.release(receipt, ms),
      ping: () => queue.ping(),
    };
    const queueErrors: string[] = [];
    const seen: string[] = [];
    started(
      createWorker({
        queue: flaky,
        waitMs: 20,
        receiveErrorDelayMs: 20,
        onQueueError: (_error, operation) => queueErrors.push(operation),
        process: async ({ event }) => {
          seen.push(event.id);
          return delivered;
        },
      }),
    );
    await until(() => seen.length === 5);
    await pause(50);
    expect(queueErrors).toEqual(["receive", "receive", "receive"]);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toHaveLength(5);
  });
});

describe("worker on the SQLite queue with the real job processor", () => {
  it("processes push jobs end to end (throughput)", async () => {
    const directory = makeTempDirectory("synheart-queue-");
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    try {
      const engine = createConnectorEngine({
        vendors: [queueTestVendor({ issuer: "http://127.0.0.1:9", apiUrl: "http://127.0.0.1:9" })],
        backends,
        credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
      });
      await storeSealedConnection(backends, { vendor: QUEUE_VENDOR, userId: "our-user", vendorUserId: "vendor-user" });
      const count = 1_000;
      await engine.enqueueEvent(events(count));
      const sunk = new Set<string>();
      const processor = createJobProcessor(engine, ({ event }) => void sunk.add(event.id));
      const begin = performance.now();
      started(createWorker({ queue: backends.jobQueue, process: processor, concurrency: 8, waitMs: 50 }));
      await until(() => sunk.size === count, 10_000);
      const seconds = (performance.now() - begin) / 1000;
      console.info(`worker on SQLite: ${count} push jobs, concurrency 8, ${seconds.toFixed(2)} s, ${(count / seconds).toFixed(0)} jobs/s`);
      await running.pop()?.stop();
      expect(await backends.jobQueue.receive()).toEqual([]);
      expect(await backends.jobQueue.listDeadLetters()).toEqual([]);
    } finally {
      await backends.close();
      directory.remove();
    }
  });
});
