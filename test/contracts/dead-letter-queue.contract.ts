import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../engine/events.js";
import { isSyncJob, type DeadLetterQueue, type Job, type JobQueue, type ReceivedJob } from "../../engine/ports/job-queue.js";

const eventOf = (job: Job | undefined): NormalizedEvent | undefined => (job && !isSyncJob(job) ? job.event : undefined);
import { uniqueName, useHarness, type HarnessFactory } from "./support.js";

export interface DeadLetterQueueHarnessExtras {
  /** Deliveries after which the backend dead-letters a job (as configured on it). */
  readonly maxReceives: number;
}

function event(): NormalizedEvent {
  return {
    id: uniqueName("event"),
    vendor: "oura",
    type: "sleep.updated",
    userId: "vendor-user-1",
    resourceId: "resource-1",
    occurredAt: "2025-01-01T00:00:00Z",
    delivery: "push",
    authenticity: "verified",
    data: { score: 80 },
  };
}

/** Operators' view of the dead letters: list, redrive, purge. Run against every JobQueue backend. */
export function describeDeadLetterQueueContract(
  backendName: string,
  makeSubject: HarnessFactory<JobQueue & DeadLetterQueue, DeadLetterQueueHarnessExtras>,
): void {
  describe(`DeadLetterQueue contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const queue = () => harness().subject;

    async function receiveSome(max: number): Promise<ReceivedJob[]> {
      const received: ReceivedJob[] = [];
      for (let attempt = 0; attempt < 6 && received.length < max; attempt += 1) {
        received.push(...(await queue().receive({ maxJobs: max - received.length, visibilityTimeoutMs: 60_000 })));
      }
      return received;
    }

    /** Enqueues the events and fails each delivery until the queue has dead-lettered them all. */
    async function deadLetter(events: readonly NormalizedEvent[]): Promise<void> {
      await queue().enqueue(events);
      for (let round = 0; round < harness().maxReceives; round += 1) {
        const received = await receiveSome(events.length);
        expect(received).toHaveLength(events.length);
        await Promise.all(received.map((job) => queue().release(job.receipt)));
      }
      // The delivery past maxReceives is the one that moves them (SQLite at receive time, SQS on its own).
      expect(await queue().receive({ maxJobs: 10, visibilityTimeoutMs: 60_000 })).toEqual([]);
    }

    const ids = (list: readonly { job?: Job | undefined }[]) => list.map((dead) => eventOf(dead.job)?.id).sort();

    it("lists nothing when nothing was dead-lettered", async () => {
      expect(await queue().listDeadLetters()).toEqual([]);
      expect(await queue().redriveDeadLetters()).toBe(0);
      expect(await queue().purgeDeadLetters()).toBe(0);
    });

    it("lists dead-lettered jobs with their events, and listing leaves them there", async () => {
      const events = [event(), event()];
      await deadLetter(events);
      const listed = await queue().listDeadLetters();
      expect(ids(listed)).toEqual(events.map((queued) => queued.id).sort());
      expect(listed.every((dead) => typeof dead.id === "string" && dead.id.length > 0)).toBe(true);
      expect(listed.map((dead) => eventOf(dead.job)).sort((a, b) => (a!.id < b!.id ? -1 : 1))).toEqual([...events].sort((a, b) => (a.id < b.id ? -1 : 1)));
      expect(ids(await queue().listDeadLetters())).toEqual(ids(listed));
      expect(await queue().listDeadLetters({ limit: 1 })).toHaveLength(1);
    });

    it("redrives one dead letter by id: delivered again from receive count 1, the other stays", async () => {
      const [first, second] = [event(), event()];
      await deadLetter([first!, second!]);
      const listed = await queue().listDeadLetters();
      const target = listed.find((dead) => eventOf(dead.job)?.id === first!.id)!;
      expect(await queue().redriveDeadLetters([target.id])).toBe(1);
      const [again] = await receiveSome(1);
      expect(eventOf(again?.job)).toEqual(first);
      expect(again?.receiveCount).toBe(1);
      await queue().ack(again!.receipt);
      expect(ids(await queue().listDeadLetters())).toEqual([second!.id]);
    });

    it("redrives every dead letter when no id is named", async () => {
      const events = [event(), event(), event()];
      await deadLetter(events);
      expect(await queue().redriveDeadLetters()).toBe(3);
      expect(await queue().listDeadLetters()).toEqual([]);
      const received = await receiveSome(3);
      expect(received.map((job) => eventOf(job.job)?.id).sort()).toEqual(events.map((queued) => queued.id).sort());
    });

    it("purges by id or all, and an unknown id changes nothing", async () => {
      const events = [event(), event(), event()];
      await deadLetter(events);
      expect(await queue().purgeDeadLetters(["no-such-dead-letter"])).toBe(0);
      const [one] = await queue().listDeadLetters({ limit: 1 });
      expect(await queue().purgeDeadLetters([one!.id])).toBe(1);
      expect(await queue().listDeadLetters()).toHaveLength(2);
      expect(await queue().purgeDeadLetters()).toBe(2);
      expect(await queue().listDeadLetters()).toEqual([]);
      expect(await queue().receive({ maxJobs: 10, visibilityTimeoutMs: 60_000 })).toEqual([]);
    });
  });
}
