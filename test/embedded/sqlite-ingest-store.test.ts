// What the contract suite cannot see from outside: the SQLite ingest store commits durably (synchronous = FULL for
// its transaction only) and deliveries arriving together share one transaction (group commit).
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteDatabase, sqliteConnection, type SqliteDatabase } from "../../engine/backends/embedded/sqlite-database.js";
import { SqliteIngestStore } from "../../engine/backends/embedded/sqlite-ingest-store.js";
import { SqliteJobQueue } from "../../engine/backends/embedded/sqlite-job-queue.js";
import { SqliteReplayCache } from "../../engine/backends/embedded/sqlite-replay-cache.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { IngestStep } from "../../engine/ports/ingest-store.js";
import { makeTempDirectory, type TempDirectory } from "./temp-directory.js";

const event = (id: string): NormalizedEvent => ({ id, vendor: "whoop", type: "sleep.updated", userId: "u", occurredAt: "2025-01-01T00:00:00Z", delivery: "push", data: {}, authenticity: "verified" });

let directory: TempDirectory | undefined;
let db: SqliteDatabase | undefined;
afterEach(() => {
  db?.close();
  directory?.remove();
  db = undefined;
  directory = undefined;
});

function open(onStep: (step: IngestStep, synchronous: number) => void) {
  directory = makeTempDirectory();
  const opened = openSqliteDatabase(join(directory.path, "connector.db"));
  db = opened;
  const synchronous = sqliteConnection(opened).prepare("PRAGMA synchronous").pluck();
  const queue = new SqliteJobQueue(opened);
  const store = new SqliteIngestStore(opened, new SqliteReplayCache(opened), queue, { faultHook: (step) => onStep(step, synchronous.get() as number) });
  return { store, queue, synchronous: () => synchronous.get() as number };
}

describe("SqliteIngestStore", () => {
  it("commits with synchronous = FULL (2) and leaves the connection at NORMAL (1) for the other stores", async () => {
    const seen: [IngestStep, number][] = [];
    const { store, synchronous } = open((step, level) => seen.push([step, level]));
    expect(synchronous()).toBe(1);
    expect((await store.admit({ events: [event("a")], replay: { key: "k", ttlSeconds: 60 } })).status).toBe("stored");
    expect(seen).toEqual([
      ["replay-key-recorded", 2],
      ["jobs-written", 2],
      ["committed", 1],
    ]);
  });

  it("deliveries admitted in one turn of the event loop share one commit, and each is answered after it", async () => {
    const steps: IngestStep[] = [];
    const { store, queue } = open((step) => steps.push(step));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => store.admit({ events: [event(`e${n}`)], replay: { key: `k${n}`, ttlSeconds: 60 } })));
    expect(answers.every((answer) => answer.status === "stored")).toBe(true);
    expect(steps.filter((step) => step === "committed")).toHaveLength(1);
    expect(steps.filter((step) => step === "jobs-written")).toHaveLength(20);
    expect(await queue.receive({ maxJobs: 50 })).toHaveLength(20);
  });

  it("a repeated key within one shared commit is stored once and answered as a replay", async () => {
    const { store, queue } = open(() => {});
    const answers = await Promise.all([event("first"), event("second")].map((one) => store.admit({ events: [one], replay: { key: "same", ttlSeconds: 60 } })));
    expect(answers.map((answer) => answer.status)).toEqual(["stored", "replayed"]);
    expect((await queue.receive({ maxJobs: 10 })).map((job) => job.job.event.id)).toEqual(["first"]);
  });

  it("answers failed, and stores nothing, when the database is gone", async () => {
    const { store } = open(() => {});
    db!.close();
    db = undefined;
    expect(await store.admit({ events: [event("x")] })).toMatchObject({ status: "failed" });
  });
});
