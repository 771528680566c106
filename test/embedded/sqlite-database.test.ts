import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { openSqliteDatabase, sqliteConnection } from "../../engine/backends/embedded/sqlite-database.js";
import { SqliteTokenStore } from "../../engine/backends/embedded/sqlite-token-store.js";
import { MIGRATIONS } from "../../engine/backends/embedded/sqlite-migrations.js";
import { isConnectorError } from "../../engine/errors.js";
import type { NormalizedEvent } from "../../engine/events.js";
import { fakeClock } from "./fake-clock.js";
import { makeTempDirectory, type TempDirectory } from "./temp-directory.js";

const event: NormalizedEvent = { id: "evt-1", vendor: "garmin", type: "dailies", userId: "g-1", delivery: "push", data: { steps: 10 }, authenticity: "unverified" };

const rawHandles: object[] = [];

describe("embedded SQLite database", () => {
  let directory: TempDirectory;
  beforeEach(() => {
    directory = makeTempDirectory();
  });
  afterEach(() => directory.remove());

  it("creates missing parent directories, uses WAL and records the schema version", () => {
    const path = join(directory.path, "a", "b", "connector.db");
    const db = sqliteConnection(openSqliteDatabase(path));
    try {
      expect(db.prepare("PRAGMA journal_mode").pluck().get()).toBe("wal");
      expect(db.prepare("PRAGMA user_version").pluck().get()).toBe(MIGRATIONS.length);
      expect(db.prepare("PRAGMA busy_timeout").pluck().get()).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it("reopens an existing database without migrating again", () => {
    const path = join(directory.path, "connector.db");
    openSqliteDatabase(path).close();
    const db = sqliteConnection(openSqliteDatabase(path));
    expect(db.prepare("PRAGMA user_version").pluck().get()).toBe(MIGRATIONS.length);
    db.close();
  });

  it("refuses a database written by a newer schema", () => {
    const path = join(directory.path, "connector.db");
    const raw = new Database(path);
    raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`); // exec: no Statement object for the GC to collect
    raw.close();
    rawHandles.push(raw); // see keepAlive in sqlite-database.ts: never left to the GC on Node 24
    let error: unknown;
    try {
      openSqliteDatabase(path);
    } catch (caught) {
      error = caught;
    }
    expect(isConnectorError(error, "backend_unavailable")).toBe(true);
  });

  it("keeps connections and queued jobs across restarts", async () => {
    const time = fakeClock();
    const first = createEmbeddedBackends({ directory: directory.path, clock: time.clock, env: {} });
    const sealedTokens = await first.encryptor.seal(new TextEncoder().encode("tokens"), { vendor: "garmin", userId: "u1" });
    await first.tokenStore.put({ vendor: "garmin", userId: "u1", status: "active", sealedTokens, updatedAt: time.now() }, null);
    await first.jobQueue.enqueue([event]);
    await first.close();

    const second = createEmbeddedBackends({ directory: directory.path, clock: time.clock, env: {} });
    try {
      const stored = await second.tokenStore.get("garmin", "u1");
      expect(stored?.version).toBe(1);
      const opened = await second.encryptor.open(stored!.sealedTokens, { vendor: "garmin", userId: "u1" });
      expect(new TextDecoder().decode(opened)).toBe("tokens");
      const [received] = await second.jobQueue.receive();
      expect(received?.job.event).toEqual(event);
    } finally {
      await second.close();
    }
  });

  it("reports a closed database as backend_unavailable", async () => {
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    await backends.close();
    await expect(backends.tokenStore.get("garmin", "u1")).rejects.toSatisfy((error) => isConnectorError(error, "backend_unavailable"));
  });

  it("looks up vendor user ids through an index, not a scan of the vendor", () => {
    const db = openSqliteDatabase(join(directory.path, "connector.db"));
    try {
      const store = new SqliteTokenStore(db);
      const statement = (store as unknown as { statements: { findByVendorUserId: { source: string } } }).statements.findByVendorUserId;
      const plan = sqliteConnection(db).prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all("garmin", "g-1") as { detail: string }[];
      expect(plan.map((step) => step.detail).join(" ")).toContain("USING INDEX connections_by_vendor_user_id (vendor=? AND vendor_user_id=?)");
    } finally {
      db.close();
    }
  });
});
