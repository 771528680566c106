import { mkdirSync } from "node:fs";
import { ensurePrivateFile, tightenIfPresent } from "./private-files.js";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { ConnectorError } from "../../errors.js";
import { MIGRATIONS } from "./sqlite-migrations.js";

/**
 * The embedded database file, opened by `openSqliteDatabase` and shared by the SQLite stores. Opaque on purpose: the
 * driver's own types stay out of the package's public declarations.
 */
export interface SqliteDatabase {
  /** The file's path, or ":memory:". */
  readonly name: string;
  readonly open: boolean;
  close(): void;
}

/** @internal The driver's handle behind a SqliteDatabase: for the stores in this folder only. */
export type SqliteConnection = Database.Database;

/** @internal */
export function sqliteConnection(database: SqliteDatabase): SqliteConnection {
  return database as SqliteConnection;
}

export const DEFAULT_DIRECTORY = ".synheart";
export const DEFAULT_DATABASE_FILE = join(DEFAULT_DIRECTORY, "connector.db");
const BUSY_TIMEOUT_MS = 5_000;

/**
 * better-sqlite3 12 wraps its objects in node::ObjectWrap, whose destructor on Node >= 24.19 asserts that a Node
 * environment is current; a Database or Statement collected by the GC at the wrong moment aborts the process
 * (WiseLibs/better-sqlite3#1515; fixed in 13, which does not run on Node 20). Keeping every one reachable means the
 * GC never destroys them: Node frees them itself at environment teardown. The stores prepare their statements
 * once, so this holds a bounded number of small objects per database.
 */
const keptAlive: object[] = [];

function keepAlive(db: SqliteConnection): SqliteConnection {
  const prepare = db.prepare.bind(db);
  keptAlive.push(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    keptAlive.push(statement);
    return statement;
  }) as typeof db.prepare;
  return db;
}

/**
 * Opens (creating if needed) the one database file every embedded store shares.
 * WAL lets readers run beside the single writer; busy_timeout makes writers from other processes queue up.
 */
export function openSqliteDatabase(path: string = DEFAULT_DATABASE_FILE): SqliteDatabase {
  try {
    const onDisk = path !== ":memory:" && path !== "";
    if (onDisk) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // 0600 before SQLite opens it: SQLite gives the -wal and -shm files it creates the database file's mode.
      ensurePrivateFile(path);
    }
    const db = keepAlive(new Database(path));
    retryWhileBusy(() => {
      // exec, not db.pragma: pragma() makes a Statement that keepAlive cannot see (see above).
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`);
      migrate(db);
    });
    if (onDisk) for (const suffix of ["-wal", "-shm"]) tightenIfPresent(`${path}${suffix}`);
    return db;
  } catch (error) {
    throw unavailable(error, "cannot open the embedded database");
  }
}

/**
 * Turning a new file to WAL needs an exclusive lock, and SQLite does not always wait for it: where waiting could
 * deadlock it answers SQLITE_BUSY at once, busy_timeout or not. Processes that open one new file together (6 at once
 * on a loaded machine failed about 1 round in 60) therefore retry the set-up, briefly, up to the same timeout.
 */
function retryWhileBusy(setUp: () => void): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      setUp();
      return;
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY") || Date.now() >= deadline) throw error;
      Atomics.wait(sleeper, 0, 0, Math.min(5 * attempt, 50)); // opening is synchronous, so the wait is too
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The schema version stored in the file header. */
export function schemaVersion(database: SqliteDatabase): number {
  return sqliteConnection(database).prepare("PRAGMA user_version").pluck().get() as number;
}

function migrate(db: SqliteConnection): void {
  const apply = db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated while we waited.
    const applied = schemaVersion(db);
    if (applied > MIGRATIONS.length) {
      throw new ConnectorError("backend_unavailable", `embedded database schema ${applied} is newer than this engine (${MIGRATIONS.length})`);
    }
    for (const step of MIGRATIONS.slice(applied)) db.exec(step);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
  if (schemaVersion(db) !== MIGRATIONS.length) apply.immediate();
}

/** Runs a read-modify-write under the database write lock (BEGIN IMMEDIATE), so other processes cannot interleave. */
export function writeTransaction<T>(database: SqliteDatabase, work: () => T): T {
  return guard(() => sqliteConnection(database).transaction(work).immediate());
}

/** Reports SQLite failures (locked too long, disk full, closed) as backend_unavailable; passes ConnectorErrors through. */
export function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw unavailable(error, "embedded database operation failed");
  }
}

function unavailable(error: unknown, message: string): unknown {
  if (error instanceof ConnectorError) return error;
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : undefined;
  return new ConnectorError("backend_unavailable", code ? `${message} (${code})` : message, { cause: error });
}
