import { describe, expect, it } from "vitest";
import type { PendingAuthorization, PendingAuthorizationStore } from "../../engine/ports/pending-authorization-store.js";
import { fulfilledValues, runConcurrently, testTimeOf, uniqueName, useHarness, type HarnessFactory } from "./support.js";

function pending(now: number, overrides: Partial<PendingAuthorization> = {}): PendingAuthorization {
  return {
    state: uniqueName("state"),
    vendor: "whoop",
    userId: "user-1",
    redirectUri: "https://app.example.com/callback",
    codeVerifier: "verifier-abc",
    scopes: ["read:sleep", "offline"],
    createdAt: now,
    expiresAt: now + 600_000,
    ...overrides,
  };
}

export function describePendingAuthorizationStoreContract(
  backendName: string,
  makeSubject: HarnessFactory<PendingAuthorizationStore>,
): void {
  describe(`PendingAuthorizationStore contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const store = () => harness().subject;
    const time = () => testTimeOf(harness());

    it("returns what was saved, once", async () => {
      const saved = pending(time().now());
      await store().save(saved);
      expect(await store().consume(saved.state)).toEqual(saved);
      expect(await store().consume(saved.state)).toBeUndefined();
    });

    it("round-trips a record without a code verifier", async () => {
      const { codeVerifier: _omitted, ...withoutVerifier } = pending(time().now(), { scopes: [] });
      await store().save(withoutVerifier);
      const consumed = await store().consume(withoutVerifier.state);
      expect(consumed).toEqual(withoutVerifier);
      expect(consumed?.codeVerifier).toBeUndefined();
    });

    it("round-trips the browser binding hash, and a record without one has none", async () => {
      const bound = pending(time().now(), { browserBindingHash: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg" });
      const unbound = pending(time().now());
      await store().save(bound);
      await store().save(unbound);
      expect(await store().consume(bound.state)).toEqual(bound);
      const consumed = await store().consume(unbound.state);
      expect(consumed).toEqual(unbound);
      expect(consumed).not.toHaveProperty("browserBindingHash");
    });

    it("returns undefined for an unknown state", async () => {
      expect(await store().consume(uniqueName("never-saved"))).toBeUndefined();
    });

    it("keeps states apart", async () => {
      const first = pending(time().now(), { userId: "a" });
      const second = pending(time().now(), { userId: "b" });
      await store().save(first);
      await store().save(second);
      expect((await store().consume(second.state))?.userId).toBe("b");
      expect((await store().consume(first.state))?.userId).toBe("a");
    });

    it("hands a state to exactly one of 20 concurrent consumers", async () => {
      const saved = pending(time().now());
      await store().save(saved);
      const results = await runConcurrently(20, () => store().consume(saved.state));
      const found = fulfilledValues(results).filter((value) => value !== undefined);
      expect(results.every((result) => result.status === "fulfilled")).toBe(true);
      expect(found).toEqual([saved]);
    });

    it("does not return an expired record", async () => {
      const clock = time();
      const lifetimeMs = clock.controllable ? 60_000 : 300;
      const saved = pending(clock.now(), { expiresAt: clock.now() + lifetimeMs });
      const other = pending(clock.now(), { expiresAt: clock.now() + lifetimeMs * 100 });
      await store().save(saved);
      await store().save(other);
      await clock.pass(lifetimeMs + 50);
      expect(await store().consume(saved.state)).toBeUndefined();
      expect(await store().consume(other.state)).toEqual(other);
    });

    it("returns a record that is not yet expired", async () => {
      const clock = time();
      const saved = pending(clock.now(), { expiresAt: clock.now() + 60_000 });
      await store().save(saved);
      if (clock.controllable) await clock.pass(59_000);
      expect(await store().consume(saved.state)).toEqual(saved);
    });
  });
}
