// SIGKILL under load on the embedded backend: a server process takes signed deliveries and is killed -9 mid-run; a
// second process on the same database file takes the vendor's retries. Every delivery acknowledged by either
// process is in the queue, and after the retries every delivery is.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { bundleIngestServer, fireKillAndRetry, startIngestServer } from "./kill/kill-support.js";

let bundle: Awaited<ReturnType<typeof bundleIngestServer>>;
let directory: TempDirectory;

beforeAll(async () => {
  [bundle, directory] = await Promise.all([bundleIngestServer(), makeTempDirectory("synheart-kill-")]);
});

afterAll(() => {
  bundle?.remove();
  directory?.remove();
});

describe("embedded ingest killed with SIGKILL under load", () => {
  it("loses no acknowledged delivery, and stores every delivery after the vendor's retries", async () => {
    const run = await fireKillAndRetry({
      count: 200,
      concurrency: 16,
      killAfter: 60,
      start: () => startIngestServer(bundle, { INGEST_DIRECTORY: directory.path }),
    });
    await run.second.kill();
    expect(run.acknowledgedBeforeKill.size).toBeGreaterThanOrEqual(60);
    expect(run.unacknowledgedBeforeKill).toBeGreaterThan(0); // the kill caught requests in flight

    const db = new Database(join(directory.path, "connector.db"), { readonly: true });
    const stored = db.prepare("SELECT json_extract(event, '$.resourceId') AS id FROM jobs").pluck().all() as string[];
    db.close();
    const storedIds = new Set(stored);
    const lostAcknowledged = [...run.acknowledgedBeforeKill].filter((id) => !storedIds.has(id));
    expect(lostAcknowledged).toEqual([]);
    expect(run.deliveries.filter((delivery) => !storedIds.has(delivery.resourceId)).map((d) => d.resourceId)).toEqual([]);
    // The replay keys hold: re-sent acknowledged deliveries were not stored again.
    expect(stored.length).toBe(run.deliveries.length);
  }, 60_000); // two server starts: seconds when the machine is quiet, more when it is not
});
