// The floor for HTTP ingest: a bare node:http server doing the essential work of one webhook delivery and nothing
// else: read the body, HMAC-SHA256 verify (timingSafeEqual), JSON.parse, one SQLite WAL transaction inserting the
// replay key and the job with synchronous = FULL, answer 200. Same protocol as bench/scenarios/http-server.ts:
// the database is BENCH_DIRECTORY/connector.db, {"port":...} is printed when listening, SIGTERM stops it.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";

const SECRET = "whoop-client-secret"; // bench/scenarios/vendor-fixtures.ts
const db = new Database(join(process.env.BENCH_DIRECTORY, "connector.db"));
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
  CREATE TABLE replay_keys (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE jobs (sequence INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, event TEXT NOT NULL, enqueued_at INTEGER NOT NULL)`);
const insertKey = db.prepare("INSERT INTO replay_keys (key, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING");
const insertJob = db.prepare("INSERT INTO jobs (id, event, enqueued_at) VALUES (?, ?, ?)");
const admit = db.transaction((key, event, now) => {
  if (insertKey.run(key, now + 600_000).changes === 0) return false;
  insertJob.run(randomUUID(), JSON.stringify(event), now);
  return true;
});

const answer = (res, status, body) => res.writeHead(status, { "content-type": "application/json" }).end(body);

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const timestamp = req.headers["x-whoop-signature-timestamp"] ?? "";
    const given = Buffer.from(String(req.headers["x-whoop-signature"] ?? ""), "base64");
    const expected = createHmac("sha256", SECRET).update(timestamp).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(res, 401, '{"error":"invalid_signature"}');
    let payload;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      return answer(res, 400, '{"error":"malformed_body"}');
    }
    const event = { id: String(payload.id), vendor: "whoop", type: payload.type, userId: String(payload.user_id), resourceId: String(payload.id), data: payload };
    if (!admit(given.toString("base64"), event, Date.now())) return answer(res, 409, '{"status":"replayed"}');
    answer(res, 200, '{"status":"accepted","events":1}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on("SIGTERM", () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
