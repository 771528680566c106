import { describe, expect, it } from "vitest";
import { isConnectorError } from "../../engine/errors.js";
import type { SealedEnvelope } from "../../engine/ports/encryptor.js";
import type { StoredConnection, TokenStore } from "../../engine/ports/token-store.js";
import {
  expectConnectorError,
  fulfilledValues,
  rejectionReasons,
  runConcurrently,
  uniqueName,
  useHarness,
  type HarnessFactory,
} from "./support.js";

type NewConnection = Omit<StoredConnection, "version">;

function sealedTokens(marker: string): SealedEnvelope {
  return { alg: "A256GCM", keyId: "k1", iv: `iv-${marker}`, ciphertext: `ct-${marker}`, tag: `tag-${marker}` };
}

function connection(vendor: string, userId: string, overrides: Partial<NewConnection> = {}): NewConnection {
  return {
    vendor,
    userId,
    status: "active",
    sealedTokens: sealedTokens(userId),
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function describeTokenStoreContract(backendName: string, makeSubject: HarnessFactory<TokenStore>): void {
  describe(`TokenStore contract: ${backendName}`, () => {
    const harness = useHarness(makeSubject);
    const store = () => harness().subject;

    it("returns undefined for a connection never stored", async () => {
      expect(await store().get(uniqueName("vendor"), "nobody")).toBeUndefined();
    });

    it("answers ping (readiness) without writing anything", async () => {
      const vendor = uniqueName("vendor");
      await expect(store().ping()).resolves.toBeUndefined();
      const stored = await store().put(connection(vendor, "u1"), null);
      await store().ping();
      expect(await store().get(vendor, "u1")).toEqual(stored);
      expect((await store().listByVendor(vendor)).items).toEqual([stored]);
    });

    it("creates with version 1 and reads back every field", async () => {
      const vendor = uniqueName("vendor");
      const input = connection(vendor, "u1", {
        vendorUserId: "v-1",
        accessTokenExpiresAt: 1_700_000_360_000,
        status: "reauthorization_required",
      });
      const sealed: SealedEnvelope = { ...sealedTokens("x"), encryptedDataKey: "edk" };
      const stored = await store().put({ ...input, sealedTokens: sealed }, null);
      expect(stored.version).toBe(1);
      expect(stored).toMatchObject({ vendor, userId: "u1", vendorUserId: "v-1", status: "reauthorization_required" });
      const read = await store().get(vendor, "u1");
      expect(read).toEqual(stored);
      expect(read?.sealedTokens).toEqual(sealed);
      expect(read?.accessTokenExpiresAt).toBe(1_700_000_360_000);
      expect(read?.updatedAt).toBe(1_700_000_000_000);
    });

    it("keeps optional fields absent when not given", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      const read = await store().get(vendor, "u1");
      expect(read?.vendorUserId).toBeUndefined();
      expect(read?.accessTokenExpiresAt).toBeUndefined();
    });

    it("increments the version on each compare-and-set write", async () => {
      const vendor = uniqueName("vendor");
      const first = await store().put(connection(vendor, "u1"), null);
      const second = await store().put(connection(vendor, "u1", { sealedTokens: sealedTokens("two") }), first.version);
      expect(second.version).toBe(2);
      const third = await store().put(connection(vendor, "u1", { status: "reauthorization_required" }), 2);
      expect(third.version).toBe(3);
      expect(await store().get(vendor, "u1")).toEqual(third);
    });

    it("refuses to create over an existing record (expected null)", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      await expectConnectorError(store().put(connection(vendor, "u1", { sealedTokens: sealedTokens("b") }), null), "version_conflict");
      expect((await store().get(vendor, "u1"))?.sealedTokens).toEqual(sealedTokens("u1"));
    });

    it("refuses a stale expected version and leaves the record unchanged", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      const current = await store().put(connection(vendor, "u1", { sealedTokens: sealedTokens("v2") }), 1);
      await expectConnectorError(store().put(connection(vendor, "u1", { sealedTokens: sealedTokens("stale") }), 1), "version_conflict");
      await expectConnectorError(store().put(connection(vendor, "u1"), 5), "version_conflict");
      expect(await store().get(vendor, "u1")).toEqual(current);
    });

    it("refuses an expected version when the record does not exist", async () => {
      const vendor = uniqueName("vendor");
      await expectConnectorError(store().put(connection(vendor, "u1"), 1), "version_conflict");
      expect(await store().get(vendor, "u1")).toBeUndefined();
    });

    it("lets exactly one of 20 concurrent writers on the same version win", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      const results = await runConcurrently(20, (index) =>
        store().put(connection(vendor, "u1", { sealedTokens: sealedTokens(`writer-${index}`) }), 1),
      );
      const winners = fulfilledValues(results);
      expect(winners).toHaveLength(1);
      expect(rejectionReasons(results).every((reason) => isConnectorError(reason, "version_conflict"))).toBe(true);
      const stored = await store().get(vendor, "u1");
      expect(stored?.version).toBe(2);
      expect(stored?.sealedTokens).toEqual(winners[0]?.sealedTokens);
    });

    it("lets exactly one of 20 concurrent creators win", async () => {
      const vendor = uniqueName("vendor");
      const results = await runConcurrently(20, (index) =>
        store().put(connection(vendor, "u1", { sealedTokens: sealedTokens(`creator-${index}`) }), null),
      );
      expect(fulfilledValues(results)).toHaveLength(1);
      expect(rejectionReasons(results).every((reason) => isConnectorError(reason, "version_conflict"))).toBe(true);
      expect((await store().get(vendor, "u1"))?.version).toBe(1);
    });

    it("deletes a record, reporting whether there was one", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      await store().put(connection(vendor, "u2"), null);
      expect(await store().delete(vendor, "u1")).toBe(true);
      expect(await store().get(vendor, "u1")).toBeUndefined();
      expect(await store().delete(vendor, "u1")).toBe(false);
      expect(await store().get(vendor, "u2")).toBeDefined();
    });

    it("starts again at version 1 after a delete", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1"), null);
      await store().put(connection(vendor, "u1"), 1);
      await store().delete(vendor, "u1");
      expect((await store().put(connection(vendor, "u1"), null)).version).toBe(1);
    });

    it("keeps vendors apart for the same user id", async () => {
      const vendorA = uniqueName("vendor-a");
      const vendorB = uniqueName("vendor-b");
      await store().put(connection(vendorA, "u1", { sealedTokens: sealedTokens("a") }), null);
      await store().put(connection(vendorB, "u1", { sealedTokens: sealedTokens("b") }), null);
      expect((await store().get(vendorA, "u1"))?.sealedTokens).toEqual(sealedTokens("a"));
      expect((await store().get(vendorB, "u1"))?.sealedTokens).toEqual(sealedTokens("b"));
    });

    it("finds a connection by the vendor's user id", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1", { vendorUserId: "v-1" }), null);
      await store().put(connection(vendor, "u2", { vendorUserId: "v-2" }), null);
      expect((await store().findByVendorUserId(vendor, "v-2"))?.userId).toBe("u2");
      expect(await store().findByVendorUserId(vendor, "v-3")).toBeUndefined();
      expect(await store().findByVendorUserId(uniqueName("other"), "v-1")).toBeUndefined();
    });

    it("follows the vendor user id through updates and deletes", async () => {
      const vendor = uniqueName("vendor");
      await store().put(connection(vendor, "u1", { vendorUserId: "old" }), null);
      const updated = await store().put(connection(vendor, "u1", { vendorUserId: "new" }), 1);
      expect(await store().findByVendorUserId(vendor, "old")).toBeUndefined();
      expect(await store().findByVendorUserId(vendor, "new")).toEqual(updated);
      await store().put(connection(vendor, "u1"), 2);
      expect(await store().findByVendorUserId(vendor, "new")).toBeUndefined();
      await store().put(connection(vendor, "u1", { vendorUserId: "again" }), 3);
      await store().delete(vendor, "u1");
      expect(await store().findByVendorUserId(vendor, "again")).toBeUndefined();
    });

    it("lists every connection of a vendor exactly once across pages", async () => {
      const vendor = uniqueName("vendor");
      const other = uniqueName("other");
      const userIds = Array.from({ length: 7 }, (_, index) => `user-${index}`);
      for (const userId of userIds) await store().put(connection(vendor, userId), null);
      await store().put(connection(other, "user-x"), null);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store().listByVendor(vendor, { limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        for (const item of page.items) {
          expect(item.vendor).toBe(vendor);
          seen.push(item.userId);
        }
        cursor = page.cursor;
        pages += 1;
        expect(pages, "pagination does not terminate").toBeLessThan(20);
      } while (cursor !== undefined);

      expect(seen.slice().sort()).toEqual(userIds.slice().sort());
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it("lists without options and returns the stored records", async () => {
      const vendor = uniqueName("vendor");
      const stored = await store().put(connection(vendor, "u1", { vendorUserId: "v-1" }), null);
      const page = await store().listByVendor(vendor);
      expect(page.items).toEqual([stored]);
      expect(page.cursor).toBeUndefined();
      expect((await store().listByVendor(uniqueName("empty"))).items).toEqual([]);
    });
  });
}
