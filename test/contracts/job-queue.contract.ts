import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../engine/events.js";
import type { EventJob, JobQueue, ReceivedJob } from "../../engine/ports/job-queue.js";
import { testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

export interface JobQueueHarnessExtras {
  /** Deliveries after which the backend dead-letters a job (as configured on it). */
  readonly maxReceives: number;
  /** Reads the dead-letter store, when the backend can show it. */
  readonly deadLetters?: () => Promise<readonly EventJob[]>;
  /**
   * Visibility timeout used by tests that let a delivery lapse in real time
   * (SQS counts whole seconds, so it would say 1000). Default 200 ms. Ignored with a controllable clock.
   */
  readonly shortVisibilityMs?: number;
}

function event(overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    id: uniqueName("event"),
    vendor: "oura",
    type: "sleep.updated",
    userId: "vendor-user-1",
    resourceId: "resource-1",
    occurredAt: "2025-01-01T00:00:00Z",
    delivery: "fetch",
    fetch: { method: "GET", url: "https://api.ouraring.com/v2/sleep/resource-1", goneStatuses: [404] },
    data: { nested: { values: [1, 2, 3] }, flag: true },
    authenticity: "unverified",
    ...overrides,
  };
}

const eventIds = (jobs: readonly ReceivedJob[]) => jobs.map((received) => received.job.event.id);

export function describeJobQueueContract(
  backendName: string,
  makeSubject: HarnessFactory<JobQueue, JobQueueHarnessExtras>,
): void {
  describe(`JobQueue contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const queue = () => harness().subject;
    const time = () => testTimeOf(harness());
    /** A visibility timeout that lapses quickly: instantly with a fake clock, after a short real wait otherwise. */
    const visibilityMs = () => (time().controllable ? 30_000 : (harness().shortVisibilityMs ?? 200));
    const longVisibilityMs = 60_000;

    /** Receives until `count` jobs arrived or the queue stays empty. */
    async function receiveAll(count: number, visibilityTimeoutMs = longVisibilityMs): Promise<ReceivedJob[]> {
      const received: ReceivedJob[] = [];
      for (let attempt = 0; attempt < count * 3 && received.length < count; attempt += 1) {
        const batch = await queue().receive({ maxJobs: count - received.length, visibilityTimeoutMs });
        received.push(...batch);
        if (batch.length === 0 && attempt > 1) break;
      }
      return received;
    }

    async function receiveOne(visibilityTimeoutMs = longVisibilityMs): Promise<ReceivedJob> {
      const [received] = await receiveAll(1, visibilityTimeoutMs);
      if (!received) throw new Error("expected a job");
      return received;
    }

    async function expectEmpty(): Promise<void> {
      expect(await queue().receive({ maxJobs: 10, visibilityTimeoutMs: longVisibilityMs })).toEqual([]);
    }

    it("reports the ids of the enqueued events and no failures", async () => {
      const events = [event(), event(), event()];
      const result = await queue().enqueue(events);
      expect(result.enqueued).toEqual(events.map((queued) => queued.id));
      expect(result.failed).toEqual([]);
    });

    it("accepts an empty batch", async () => {
      expect(await queue().enqueue([])).toEqual({ enqueued: [], failed: [] });
    });

    it("delivers a job with its event intact, on first delivery count 1", async () => {
      const queued = event();
      const before = time().now();
      await queue().enqueue([queued]);
      const received = await receiveOne();
      expect(received.job.event).toEqual(queued);
      expect(received.job.enqueuedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(received.job.enqueuedAt).toBeLessThanOrEqual(time().now() + 1_000);
      expect(received.receiveCount).toBe(1);
      expect(received.receipt).toEqual(expect.any(String));
    });

    it("returns nothing from an empty queue", async () => {
      await expectEmpty();
    });

    it("answers ping (readiness) without touching a job", async () => {
      const queued = event();
      await queue().enqueue([queued]);
      await expect(queue().ping()).resolves.toBeUndefined();
      const received = await receiveOne();
      expect(received.job.event).toEqual(queued);
      expect(received.receiveCount).toBe(1);
      await queue().ack(received.receipt);
      await queue().ping();
      await expectEmpty();
    });

    it("does not deliver more than maxJobs at once, and delivers every job", async () => {
      const events = Array.from({ length: 5 }, () => event());
      await queue().enqueue(events);
      const first = await queue().receive({ maxJobs: 3, visibilityTimeoutMs: longVisibilityMs });
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(3);
      const rest = await receiveAll(5 - first.length);
      expect([...eventIds(first), ...eventIds(rest)].sort()).toEqual(events.map((queued) => queued.id).sort());
      await expectEmpty();
    });

    it("hides a received job, and deletes it on ack", async () => {
      const clock = time();
      await queue().enqueue([event()]);
      const received = await receiveOne(visibilityMs());
      await expectEmpty();
      await queue().ack(received.receipt);
      await clock.pass(visibilityMs() + 100);
      await expectEmpty();
    });

    it("redelivers an unacknowledged job after its visibility timeout, counting receives", async () => {
      const clock = time();
      const queued = event();
      await queue().enqueue([queued]);
      const first = await receiveOne(visibilityMs());
      await clock.pass(visibilityMs() + 100);
      const second = await receiveOne();
      expect(second.job.event).toEqual(queued);
      expect(second.receiveCount).toBe(2);
      expect(second.receipt).not.toBe(first.receipt);
      await queue().ack(second.receipt);
      await expectEmpty();
    });

    it("keeps a job hidden while its visibility is extended", async () => {
      const clock = time();
      await queue().enqueue([event()]);
      const received = await receiveOne(visibilityMs());
      await queue().extendVisibility(received.receipt, visibilityMs() * 4);
      await clock.pass(visibilityMs() + 100);
      await expectEmpty();
      if (clock.controllable) {
        await clock.pass(visibilityMs() * 3);
        expect((await receiveOne()).receiveCount).toBe(2);
      }
    });

    it("makes a released job visible again at once, keeping its receive count", async () => {
      await queue().enqueue([event()]);
      const received = await receiveOne();
      await queue().release(received.receipt);
      const again = await receiveOne();
      expect(again.job.event.id).toBe(received.job.event.id);
      expect(again.receiveCount).toBe(2);
    });

    it("keeps a job released with a delay hidden until the delay has passed", async () => {
      const clock = time();
      await queue().enqueue([event()]);
      const received = await receiveOne();
      await queue().release(received.receipt, visibilityMs());
      await expectEmpty();
      await clock.pass(visibilityMs() + 100);
      expect((await receiveOne()).receiveCount).toBe(2);
    });

    it("dead-letters a job after maxReceives deliveries", async () => {
      const { maxReceives, deadLetters } = harness();
      const queued = event();
      const bystander = event();
      await queue().enqueue([queued]);
      for (let delivery = 1; delivery <= maxReceives; delivery += 1) {
        const received = await receiveOne();
        expect(received.job.event.id).toBe(queued.id);
        expect(received.receiveCount).toBe(delivery);
        await queue().release(received.receipt);
      }
      await expectEmpty();
      if (deadLetters) expect((await deadLetters()).map((job) => job.event)).toEqual([queued]);
      await queue().enqueue([bystander]);
      expect((await receiveOne()).job.event.id).toBe(bystander.id);
    });

    it("never delivers one job to two concurrent receivers", async () => {
      const events = Array.from({ length: 12 }, () => event());
      await queue().enqueue(events);
      const batches = await Promise.all(
        Array.from({ length: 10 }, () => queue().receive({ maxJobs: 3, visibilityTimeoutMs: longVisibilityMs })),
      );
      const delivered = batches.flatMap(eventIds);
      expect(new Set(delivered).size).toBe(delivered.length);
      const rest = await receiveAll(events.length - delivered.length);
      expect([...delivered, ...eventIds(rest)].sort()).toEqual(events.map((queued) => queued.id).sort());
    });

    it("waits for a job when long-polling", async () => {
      const queued = event();
      const started = Date.now();
      const receiving = queue().receive({ maxJobs: 1, waitMs: 2_000, visibilityTimeoutMs: longVisibilityMs });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await queue().enqueue([queued]);
      const received = await receiving;
      expect(eventIds(received)).toEqual([queued.id]);
      expect(Date.now() - started).toBeLessThan(1_900);
    });

    it("gives up long-polling an empty queue after waitMs", async () => {
      const started = Date.now();
      expect(await queue().receive({ waitMs: 150 })).toEqual([]);
      // Backends may round the wait to whole seconds (SQS), so only bound it from above.
      expect(Date.now() - started).toBeLessThan(1_500);
    });
  });
}
