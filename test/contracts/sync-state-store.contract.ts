import { describe, expect, it } from "vitest";
import type { StreamCheckpoint, SyncStateStore } from "../../engine/ports/sync-state-store.js";
import { expectConnectorError, fulfilledValues, rejectionReasons, runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

type NewCheckpoint = Omit<StreamCheckpoint, "version">;

function checkpoint(vendor: string, userId: string, stream: string, state: Record<string, unknown> = {}): NewCheckpoint {
  return { vendor, userId, stream, state, updatedAt: 1_700_000_000_000 };
}

export function describeSyncStateStoreContract(backendName: string, makeSubject: HarnessFactory<SyncStateStore>): void {
  describe(`SyncStateStore contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const store = () => harness().subject;

    it("returns undefined for a checkpoint never stored, and an empty list", async () => {
      const vendor = uniqueName("vendor");
      expect(await store().getCheckpoint(vendor, "u1", "sleep")).toBeUndefined();
      expect(await store().listCheckpoints(vendor, "u1")).toEqual([]);
    });

    it("stores a checkpoint at version 1 and reads back its state exactly", async () => {
      const vendor = uniqueName("vendor");
      const state = { position: 1_700_000_000_000, runs: { "backfill:1": { done: [0, 2], total: 3 } }, text: "ü#%" };
      const stored = await store().putCheckpoint(checkpoint(vendor, "u1", "sleep", state), null);
      expect(stored.version).toBe(1);
      expect(await store().getCheckpoint(vendor, "u1", "sleep")).toEqual({ ...checkpoint(vendor, "u1", "sleep", state), version: 1 });
    });

    it("compare-and-set: a write with a stale or missing version is a version_conflict and changes nothing", async () => {
      const vendor = uniqueName("vendor");
      await store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { n: 1 }), null);
      await expectConnectorError(store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { n: 2 }), null), "version_conflict");
      const second = await store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { n: 2 }), 1);
      expect(second.version).toBe(2);
      await expectConnectorError(store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { n: 3 }), 1), "version_conflict");
      expect((await store().getCheckpoint(vendor, "u1", "sleep"))?.state).toEqual({ n: 2 });
    });

    it("of concurrent writers from one version exactly one wins", async () => {
      const vendor = uniqueName("vendor");
      await store().putCheckpoint(checkpoint(vendor, "u1", "sleep"), null);
      const results = await runConcurrently(8, (i) => store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { writer: i }), 1));
      expect(fulfilledValues(results)).toHaveLength(1);
      expect(rejectionReasons(results)).toHaveLength(7);
      const winner = fulfilledValues(results)[0]!;
      expect((await store().getCheckpoint(vendor, "u1", "sleep"))?.state).toEqual(winner.state);
    });

    it("keeps users and streams apart, and lists one user's streams by name", async () => {
      const vendor = uniqueName("vendor");
      await store().putCheckpoint(checkpoint(vendor, "u1", "workout", { w: 1 }), null);
      await store().putCheckpoint(checkpoint(vendor, "u1", "sleep", { s: 1 }), null);
      await store().putCheckpoint(checkpoint(vendor, "u2", "sleep", { s: 2 }), null);
      await store().putCheckpoint(checkpoint(vendor, "u1#x", "sleep", { s: 3 }), null);
      const listed = await store().listCheckpoints(vendor, "u1");
      expect(listed.map((c) => [c.stream, c.state])).toEqual([
        ["sleep", { s: 1 }],
        ["workout", { w: 1 }],
      ]);
    });

    it("remembers delivered record ids per user and stream", async () => {
      const vendor = uniqueName("vendor");
      const time = testTimeOf(harness());
      const until = time.now() + 3_600_000;
      await store().markDelivered(vendor, "u1", "sleep", ["a", "b", "c#1"], until);
      expect(await store().findDelivered(vendor, "u1", "sleep", ["a", "c#1", "d"])).toEqual(new Set(["a", "c#1"]));
      expect(await store().findDelivered(vendor, "u1", "workout", ["a"])).toEqual(new Set());
      expect(await store().findDelivered(vendor, "u2", "sleep", ["a"])).toEqual(new Set());
      expect(await store().findDelivered(vendor, "u1", "sleep", [])).toEqual(new Set());
    });

    it("answers for many ids at once (more than one batch)", async () => {
      const vendor = uniqueName("vendor");
      const ids = Array.from({ length: 130 }, (_, i) => `r${i}`);
      await store().markDelivered(vendor, "u1", "sleep", ids.filter((_, i) => i % 2 === 0), testTimeOf(harness()).now() + 3_600_000);
      const found = await store().findDelivered(vendor, "u1", "sleep", ids);
      expect(found.size).toBe(65);
      expect(found.has("r128")).toBe(true);
      expect(found.has("r129")).toBe(false);
    });

    it("forgets a mark after its expiry", async () => {
      const vendor = uniqueName("vendor");
      const time = testTimeOf(harness());
      await store().markDelivered(vendor, "u1", "sleep", ["a"], time.now() + 40);
      await store().markDelivered(vendor, "u1", "sleep", ["b"], time.now() + 3_600_000);
      await time.pass(60);
      expect(await store().findDelivered(vendor, "u1", "sleep", ["a", "b"])).toEqual(new Set(["b"]));
    });
  });
}
