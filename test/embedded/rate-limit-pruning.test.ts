// Rate-limit keys an unauthenticated caller controls (one per client address on /oauth/:vendor/start) must not grow
// the store without bound: a bucket that is full again equals no bucket, and the stores sweep such buckets out.
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { MemoryRateLimiter } from "../../engine/backends/embedded/memory-rate-limiter.js";
import type { RateWindow } from "../../engine/ports/rate-limiter.js";
import { fakeClock } from "./fake-clock.js";
import { makeTempDirectory } from "./temp-directory.js";

const perClient: RateWindow = { limit: 30, periodSeconds: 60 };
const CLIENTS = 3_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

it("SQLite: buckets of 3,000 one-time client addresses are gone once full again; spent ones and pauses in force stay", async () => {
  const directory = makeTempDirectory();
  const time = fakeClock();
  const backends = createEmbeddedBackends({ directory: directory.path, clock: time.clock, env: {} });
  cleanups.push(async () => {
    await backends.close();
    directory.remove();
  });
  const rows = () => {
    const db = new Database(join(directory.path, "connector.db"), { readonly: true });
    try {
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return { buckets: count("rate_buckets"), pauses: count("rate_pauses") };
    } finally {
      db.close();
    }
  };
  const limiter = backends.rateLimiter;
  for (let client = 0; client < CLIENTS; client++) await limiter.take(`oauth-start:client:10.0.${client >> 8}.${client & 255}`, [perClient]);
  await limiter.take("vendor:whoop", [{ limit: 10, periodSeconds: 3_600 }], 10);
  await limiter.pauseUntil("vendor:oura", time.now() + 3_600_000);
  await limiter.pauseUntil("vendor:polar", time.now() + 1_000);
  expect(rows()).toEqual({ buckets: CLIENTS + 1, pauses: 2 });

  await time.advance(120_000);
  // A sweep deletes at most 1,000 rows and the next take carries on: four takes clear 3,000.
  for (let take = 0; take < 4; take++) await limiter.take("oauth-start:client:192.0.2.1", [perClient]);
  expect(rows()).toEqual({ buckets: 2, pauses: 1 });
  expect((await limiter.take("vendor:whoop", [{ limit: 10, periodSeconds: 3_600 }], 10)).granted).toBe(false);
  expect((await limiter.take("vendor:oura", [perClient])).granted).toBe(false);
});

it("memory: the same sweep keeps the process's maps bounded", async () => {
  const time = fakeClock();
  const limiter = new MemoryRateLimiter({ clock: time.clock });
  for (let client = 0; client < CLIENTS; client++) await limiter.take(`oauth-start:client:${client}`, [perClient]);
  await limiter.take("vendor:whoop", [{ limit: 10, periodSeconds: 3_600 }], 10);
  await limiter.pauseUntil("vendor:polar", time.now() + 1_000);
  expect(limiter.size).toBe(CLIENTS + 2);
  await time.advance(120_000);
  await limiter.take("oauth-start:client:new", [perClient]);
  expect(limiter.size).toBe(2);
  expect((await limiter.take("vendor:whoop", [{ limit: 10, periodSeconds: 3_600 }], 10)).granted).toBe(false);
});
