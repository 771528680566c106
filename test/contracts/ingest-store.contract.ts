import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../engine/events.js";
import type { AdmitResult, IngestDelivery, IngestFaultHook, IngestStep, IngestStore } from "../../engine/ports/ingest-store.js";
import type { JobQueue } from "../../engine/ports/job-queue.js";
import { runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

export interface IngestStoreHarnessExtras {
  /** The queue the store writes to: read (and acknowledged) by the suite to count what was stored. */
  readonly queue: JobQueue;
  /**
   * Another store on the same storage (another process) whose fault hook is `hook`: the suite makes it throw at one
   * step, which is what dying there looks like (nothing after the step runs; SQLite rolls its transaction back).
   */
  readonly withFaultHook?: (hook: IngestFaultHook) => IngestStore;
  /** The steps that store has. */
  readonly faultSteps?: readonly IngestStep[];
}

function event(overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    id: uniqueName("event"),
    vendor: "whoop",
    type: "sleep.updated",
    userId: "vendor-user-1",
    resourceId: "resource-1",
    occurredAt: "2025-01-01T00:00:00Z",
    delivery: "push",
    data: { score: 91 },
    authenticity: "verified",
    ...overrides,
  };
}

class SimulatedCrash extends Error {}

export function describeIngestStoreContract(backendName: string, makeSubject: HarnessFactory<IngestStore, IngestStoreHarnessExtras>): void {
  describe(`IngestStore contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const store = () => harness().subject;
    const time = () => testTimeOf(harness());
    const seen: string[] = [];
    let seenBy: unknown;

    /** Every event id stored so far, in this test (each job is read once and acknowledged). */
    async function storedIds(): Promise<string[]> {
      if (seenBy !== harness()) {
        seen.length = 0;
        seenBy = harness();
      }
      for (let empty = 0; empty < 2; ) {
        const jobs = await harness().queue.receive({ maxJobs: 10, visibilityTimeoutMs: 3_600_000 });
        if (jobs.length === 0) empty++;
        for (const received of jobs) {
          seen.push(received.job.event.id);
          await harness().queue.ack(received.receipt);
        }
      }
      return [...seen];
    }

    const count = (ids: readonly string[], id: string) => ids.filter((stored) => stored === id).length;
    const delivery = (events: NormalizedEvent[], key?: string, ttlSeconds = 300): IngestDelivery => ({ events, ...(key ? { replay: { key, ttlSeconds } } : {}) });

    /** The vendor's retries: again until stored or replayed, waiting out an `in_progress` claim as told. */
    async function retryUntilAcknowledged(subject: IngestStore, toSend: IngestDelivery): Promise<AdmitResult> {
      for (let attempt = 0; attempt < 6; attempt++) {
        const result = await subject.admit(toSend);
        if (result.status === "stored" || result.status === "replayed") return result;
        if (result.status === "in_progress") await time().pass(result.retryAfterSeconds * 1_000);
      }
      throw new Error("the delivery was never acknowledged");
    }

    it("stores every event of a delivery and remembers its key", async () => {
      const events = [event(), event({ type: "recovery.updated" })];
      const result = await store().admit(delivery(events, uniqueName("key")));
      expect(result).toEqual({ status: "stored", enqueued: events.map((e) => e.id) });
      expect((await storedIds()).sort()).toEqual(events.map((e) => e.id).sort());
    });

    it("answers a repeated key with replayed and stores nothing again", async () => {
      const key = uniqueName("key");
      const first = event();
      expect((await store().admit(delivery([first], key))).status).toBe("stored");
      const again = event();
      expect(await store().admit(delivery([again], key))).toEqual({ status: "replayed" });
      const ids = await storedIds();
      expect(count(ids, first.id)).toBe(1);
      expect(count(ids, again.id)).toBe(0);
    });

    it("stores deliveries without a replay key every time", async () => {
      const events = [event(), event()];
      for (const one of events) expect((await store().admit(delivery([one]))).status).toBe("stored");
      expect((await storedIds()).sort()).toEqual(events.map((e) => e.id).sort());
    });

    it("stores exactly one of 20 concurrent deliveries with one key; none of the others is acknowledged as stored", async () => {
      const key = uniqueName("key");
      const events = Array.from({ length: 20 }, () => event());
      const results = await runConcurrently(20, (index) => store().admit(delivery([events[index]!], key)));
      const statuses = results.map((result) => (result.status === "fulfilled" ? result.value.status : "rejected"));
      expect(statuses.filter((status) => status === "stored")).toHaveLength(1);
      expect(statuses.every((status) => status === "stored" || status === "replayed" || status === "in_progress")).toBe(true);
      const ids = await storedIds();
      expect(ids).toHaveLength(1);
      expect(events[statuses.indexOf("stored")]!.id).toBe(ids[0]);
    });

    it("stores many different deliveries sent at once, each once", async () => {
      const events = Array.from({ length: 25 }, () => event());
      const results = await Promise.all(events.map((one) => store().admit(delivery([one], uniqueName("key")))));
      expect(results.every((result) => result.status === "stored")).toBe(true);
      expect((await storedIds()).sort()).toEqual(events.map((e) => e.id).sort());
    });

    it("takes a key again once its TTL has passed", async () => {
      const key = uniqueName("key");
      expect((await store().admit(delivery([event()], key, 1))).status).toBe("stored");
      expect((await store().admit(delivery([event()], key, 1))).status).toBe("replayed");
      await time().pass(1_100);
      const later = event();
      expect((await store().admit(delivery([later], key, 1))).status).toBe("stored");
      expect(count(await storedIds(), later.id)).toBe(1);
    });

    describe("a process dying at each step of an admit", () => {
      it("leaves every delivery stored at least once after the vendor's retries", async () => {
        const { withFaultHook, faultSteps } = harness();
        if (!withFaultHook || !faultSteps) return; // process memory: nothing outlives the process to check
        expect(faultSteps.length).toBeGreaterThan(0);
        for (const step of faultSteps) {
          const key = uniqueName(`key-${step}`);
          const sent = event();
          let died = false;
          const dying = withFaultHook((reached) => {
            if (reached !== step) return;
            died = true;
            throw new SimulatedCrash(`died at ${step}`);
          });
          const answer = await dying.admit(delivery([sent], key)).catch((error: unknown) => {
            if (!(error instanceof SimulatedCrash)) throw error;
            return undefined; // the connection dropped: no answer
          });
          expect(died, `step ${step} reached`).toBe(true);
          // A dying process acknowledges nothing.
          expect(answer?.status, `step ${step}`).not.toBe("stored");
          const retried = await retryUntilAcknowledged(store(), delivery([sent], key));
          expect(["stored", "replayed"]).toContain(retried.status);
          expect(count(await storedIds(), sent.id), `step ${step}`).toBeGreaterThanOrEqual(1);
        }
      });

      it("a crash in a shared commit loses none of the deliveries in it", async () => {
        const { withFaultHook, faultSteps } = harness();
        if (!withFaultHook || !faultSteps?.includes("jobs-written")) return; // batching backends only
        let crashed = false;
        const dying = withFaultHook((reached) => {
          if (reached === "jobs-written" && !crashed) {
            crashed = true;
            throw new SimulatedCrash("died in the commit");
          }
        });
        const sends = Array.from({ length: 5 }, () => delivery([event()], uniqueName("key")));
        const answers = await Promise.all(sends.map((one) => dying.admit(one)));
        expect(answers.every((answer) => answer.status === "failed")).toBe(true);
        expect(await storedIds()).toEqual([]);
        for (const one of sends) expect((await retryUntilAcknowledged(store(), one)).status).toBe("stored");
        expect((await storedIds()).sort()).toEqual(sends.map((one) => one.events[0]!.id).sort());
      });
    });
  });
}
