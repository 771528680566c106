import { describe, expect, it } from "vitest";
import type { LeaseManager } from "../../engine/ports/lease.js";
import { fulfilledValues, runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

export function describeLeaseManagerContract(backendName: string, makeSubject: HarnessFactory<LeaseManager>): void {
  describe(`LeaseManager contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const leases = () => harness().subject;
    const time = () => testTimeOf(harness());
    /** Long enough to outlive a test step, short enough to wait out in real time. */
    const shortTtl = () => (time().controllable ? 30_000 : 300);

    it("grants a lease describing its key, owner and expiry", async () => {
      const key = uniqueName("refresh");
      const before = time().now();
      const lease = await leases().tryAcquire(key, 30_000);
      const after = time().now();
      expect(lease).toBeDefined();
      expect(lease?.key).toBe(key);
      expect(lease?.owner).toEqual(expect.any(String));
      expect(lease?.owner.length).toBeGreaterThan(0);
      expect(lease?.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
      expect(lease?.expiresAt).toBeLessThanOrEqual(after + 30_000 + 1_000);
    });

    it("refuses a second holder while the lease is live", async () => {
      const key = uniqueName("refresh");
      expect(await leases().tryAcquire(key, 30_000)).toBeDefined();
      expect(await leases().tryAcquire(key, 30_000)).toBeUndefined();
      expect(await leases().tryAcquire(uniqueName("refresh"), 30_000)).toBeDefined();
    });

    it("grants the lease to exactly one of 20 concurrent callers", async () => {
      const key = uniqueName("refresh");
      const results = await runConcurrently(20, () => leases().tryAcquire(key, 30_000));
      expect(results.every((result) => result.status === "fulfilled")).toBe(true);
      expect(fulfilledValues(results).filter((lease) => lease !== undefined)).toHaveLength(1);
    });

    it("lets a lease lapse after its TTL", async () => {
      const clock = time();
      const key = uniqueName("refresh");
      const ttl = shortTtl();
      const first = await leases().tryAcquire(key, ttl);
      expect(first).toBeDefined();
      if (clock.controllable) {
        await clock.pass(ttl - 1_000);
        expect(await leases().tryAcquire(key, ttl)).toBeUndefined();
        await clock.pass(1_001);
      } else {
        await clock.pass(ttl + 50);
      }
      const second = await leases().tryAcquire(key, ttl);
      expect(second).toBeDefined();
      expect(second?.owner).not.toBe(first?.owner);
    });

    it("lets another caller acquire once the holder releases", async () => {
      const key = uniqueName("refresh");
      const lease = await leases().tryAcquire(key, 30_000);
      expect(lease).toBeDefined();
      await leases().release(lease!);
      expect(await leases().tryAcquire(key, 30_000)).toBeDefined();
    });

    it("does not let a stale holder release the new holder's lease", async () => {
      const clock = time();
      const key = uniqueName("refresh");
      const ttl = shortTtl();
      const stale = await leases().tryAcquire(key, ttl);
      expect(stale).toBeDefined();
      await clock.pass(ttl + 50);
      const current = await leases().tryAcquire(key, 30_000);
      expect(current).toBeDefined();
      await leases().release(stale!);
      expect(await leases().tryAcquire(key, 30_000)).toBeUndefined();
      await leases().release(current!);
      expect(await leases().tryAcquire(key, 30_000)).toBeDefined();
    });

    it("treats releasing twice as harmless", async () => {
      const key = uniqueName("refresh");
      const lease = await leases().tryAcquire(key, 30_000);
      await leases().release(lease!);
      const next = await leases().tryAcquire(key, 30_000);
      expect(next).toBeDefined();
      await leases().release(lease!);
      expect(await leases().tryAcquire(key, 30_000)).toBeUndefined();
    });
  });
}
