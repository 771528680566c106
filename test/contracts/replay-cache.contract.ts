import { describe, expect, it } from "vitest";
import type { ReplayCache } from "../../engine/ports/replay-cache.js";
import { fulfilledValues, runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

export function describeReplayCacheContract(backendName: string, makeSubject: HarnessFactory<ReplayCache>): void {
  describe(`ReplayCache contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const cache = () => harness().subject;
    const time = () => testTimeOf(harness());

    it("says true the first time and false afterwards", async () => {
      const key = uniqueName("delivery");
      expect(await cache().firstSeen(key, 300)).toBe(true);
      expect(await cache().firstSeen(key, 300)).toBe(false);
      expect(await cache().firstSeen(key, 300)).toBe(false);
    });

    it("tracks keys independently", async () => {
      const first = uniqueName("delivery");
      const second = uniqueName("delivery");
      expect(await cache().firstSeen(first, 300)).toBe(true);
      expect(await cache().firstSeen(second, 300)).toBe(true);
      expect(await cache().firstSeen(first, 300)).toBe(false);
    });

    it("says true to exactly one of 20 concurrent callers", async () => {
      const key = uniqueName("delivery");
      const results = await runConcurrently(20, () => cache().firstSeen(key, 300));
      expect(results.every((result) => result.status === "fulfilled")).toBe(true);
      expect(fulfilledValues(results).filter(Boolean)).toHaveLength(1);
    });

    it("remembers a key for its whole TTL", async () => {
      const clock = time();
      if (!clock.controllable) return; // real-time backends: covered by the expiry test below
      const key = uniqueName("delivery");
      expect(await cache().firstSeen(key, 60)).toBe(true);
      await clock.pass(59_000);
      expect(await cache().firstSeen(key, 60)).toBe(false);
    });

    it("treats a forgotten key as new, and only that key", async () => {
      const key = uniqueName("delivery");
      const other = uniqueName("delivery");
      expect(await cache().firstSeen(key, 300)).toBe(true);
      expect(await cache().firstSeen(other, 300)).toBe(true);
      await cache().forget(key);
      expect(await cache().firstSeen(key, 300)).toBe(true);
      expect(await cache().firstSeen(key, 300)).toBe(false);
      expect(await cache().firstSeen(other, 300)).toBe(false);
    });

    it("answers firstSeenNow, where a backend offers it, as firstSeen does, on the same keys", async () => {
      const subject = cache();
      if (!subject.firstSeenNow) return; // optional: backends that must wait for I/O offer only firstSeen
      const key = uniqueName("delivery");
      expect(subject.firstSeenNow(key, 300)).toBe(true);
      expect(subject.firstSeenNow(key, 300)).toBe(false);
      expect(await subject.firstSeen(key, 300)).toBe(false);
      const other = uniqueName("delivery");
      expect(await subject.firstSeen(other, 300)).toBe(true);
      expect(subject.firstSeenNow(other, 300)).toBe(false);
      await subject.forget(key);
      expect(subject.firstSeenNow(key, 300)).toBe(true);
    });

    it("forgets an unknown key without complaint", async () => {
      await cache().forget(uniqueName("never-seen"));
    });

    it("forgets a key once its TTL has passed", async () => {
      const clock = time();
      const key = uniqueName("delivery");
      expect(await cache().firstSeen(key, 1)).toBe(true);
      expect(await cache().firstSeen(key, 1)).toBe(false);
      await clock.pass(1_100);
      expect(await cache().firstSeen(key, 1)).toBe(true);
      expect(await cache().firstSeen(key, 1)).toBe(false);
    });
  });
}
