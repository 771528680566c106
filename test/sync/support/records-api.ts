// No test-runner imports here: the crash test bundles this file into a plain node child.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface ApiRecord {
  readonly id: string;
  /** Epoch ms. */
  readonly time: number;
  readonly value: number;
}

export interface RecordsApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly status: number;
}

/**
 * A vendor data API on 127.0.0.1 that behaves like the documented ones: bearer tokens `at-<userId>`, time-window reads
 * and four kinds of pagination, a Withings-style form service whose errors come as 200 with `status` != 0, and a
 * Dexcom-style EGV endpoint that refuses windows over 30 days.
 * - GET /v1/token?start&end[&next_token]      epoch seconds; `{ data, next_token }`, 25 per page
 * - GET /v1/paged?start&end&page&per_page      `{ data }`
 * - GET /v1/offset?start&end&offset&limit      `{ items }`
 * - GET /v1/linked?start&end[&after]           `[...]` with `Link: <abs url>; rel="next"`
 * - GET /v1/newest?page&per_page               every record, newest first, no time filter (Wahoo's workouts); `{ data }`
 * - POST /measure (form: action=getmeas, startdate, enddate[, offset])  `{ status: 0, body: { measuregrps, more, offset } }`
 * - GET /wellness-api/rest/backfill/dailies?summaryStartTimeInSeconds&summaryEndTimeInSeconds  202, or 409 when the
 *   range overlaps one asked for before (Garmin: the data then comes as pushes, never twice)
 * - GET /v3/users/self/egvs (and /events)?startDate&endDate  ISO without zone; `{ recordType, userId, records }`
 */
export interface RecordsApi {
  readonly url: string;
  readonly requests: RecordsApiRequest[];
  /** Every record of a user, oldest first. */
  records(userId: string): ApiRecord[];
  add(userId: string, record: ApiRecord): void;
  /** Requests matching this stay unanswered until `release()` (a worker killed mid-window). */
  holdWhen(predicate: ((request: { path: string; query: Record<string, string> }) => boolean) | undefined): void;
  readonly held: number;
  release(): void;
  /** The form service answers `{ status }` with HTTP 200 (Withings' envelope error) while set. */
  envelopeError: number | undefined;
  close(): Promise<void>;
}

const PAGE = 25;
const DEXCOM_MAX_RANGE_MS = 30 * 86_400_000;

export async function startRecordsApi(): Promise<RecordsApi> {
  const byUser = new Map<string, ApiRecord[]>();
  const requests: RecordsApiRequest[] = [];
  let holdPredicate: ((request: { path: string; query: Record<string, string> }) => boolean) | undefined;
  const waiting: (() => void)[] = [];
  let held = 0;
  const backfillRanges = new Map<string, [number, number][]>();

  const inRange = (userId: string, start: number, end: number) => (byUser.get(userId) ?? []).filter((record) => record.time >= start && record.time < end);

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const query: Record<string, string> = Object.fromEntries(url.searchParams);
      if (req.method === "POST") Object.assign(query, Object.fromEntries(new URLSearchParams(await readBody(req))));
      const path = url.pathname;
      const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? "", path, query, status });
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      if (holdPredicate?.({ path, query })) {
        held++;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      const token = req.headers.authorization?.startsWith("Bearer at-") ? req.headers.authorization.slice("Bearer at-".length) : undefined;
      if (!token) return answer(401, { error: "invalid_token" });
      const seconds = (name: string) => Number(query[name]) * 1000;

      if (path === "/v1/token") {
        const all = inRange(token, seconds("start"), seconds("end"));
        const from = query.next_token ? Number(Buffer.from(query.next_token, "base64url").toString()) : 0;
        const page = all.slice(from, from + PAGE);
        const next = from + PAGE < all.length ? Buffer.from(String(from + PAGE)).toString("base64url") : null;
        return answer(200, { data: page, next_token: next });
      }
      if (path === "/v1/paged") {
        const size = Number(query.per_page);
        const page = Number(query.page);
        if (!(size > 0 && page >= 1)) return answer(400, { error: "page and per_page required" });
        return answer(200, { data: inRange(token, seconds("start"), seconds("end")).slice((page - 1) * size, page * size) });
      }
      if (path === "/v1/newest") {
        const size = Number(query.per_page);
        const page = Number(query.page);
        if (!(size > 0 && page >= 1)) return answer(400, { error: "page and per_page required" });
        const newestFirst = [...(byUser.get(token) ?? [])].reverse();
        return answer(200, { data: newestFirst.slice((page - 1) * size, page * size) });
      }
      if (path === "/v1/offset") {
        const limit = Number(query.limit);
        const offset = Number(query.offset);
        return answer(200, { items: inRange(token, seconds("start"), seconds("end")).slice(offset, offset + limit) });
      }
      if (path === "/v1/linked") {
        const all = inRange(token, seconds("start"), seconds("end"));
        const after = Number(query.after ?? 0);
        const page = all.slice(after, after + PAGE);
        const headers: Record<string, string> = {};
        if (after + PAGE < all.length) {
          // `linkhost` lets a test play a vendor whose next link points at another host.
          const next = new URL(`/v1/linked?start=${query.start}&end=${query.end}&after=${after + PAGE}`, `http://${query.linkhost ?? req.headers.host}`);
          headers.link = `<${next.href}>; rel="next", <http://${req.headers.host}/v1/linked>; rel="first"`;
        }
        return answer(200, page, headers);
      }
      if (path === "/measure") {
        if (envelope.error !== undefined) return answer(200, { status: envelope.error, error: "invalid params" });
        if (query.action !== "getmeas") return answer(200, { status: 503, error: "unknown action" });
        const all = inRange(token, seconds("startdate"), seconds("enddate"));
        const offset = Number(query.offset ?? 0);
        const page = all.slice(offset, offset + PAGE);
        const more = offset + PAGE < all.length;
        return answer(200, {
          status: 0,
          body: { measuregrps: page.map((r) => ({ grpid: r.id, date: r.time / 1000, measures: [{ value: r.value, type: 1, unit: 0 }] })), more: more ? 1 : 0, offset: more ? offset + PAGE : 0 },
        });
      }
      if (path === "/v3/users/self/egvs" || path === "/v3/users/self/events") {
        const parse = (text: string | undefined) => (text && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text) ? Date.parse(`${text}Z`) : Number.NaN);
        const start = parse(query.startDate);
        const end = parse(query.endDate);
        if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return answer(400, { error: "startDate and endDate required" });
        if (end - start > DEXCOM_MAX_RANGE_MS) return answer(400, { error: "The time window exceeds the maximum allowed" });
        const records = inRange(token, start, end).map((r) => ({ recordId: r.id, systemTime: new Date(r.time).toISOString().slice(0, 19), value: r.value, unit: "mg/dL" }));
        return answer(200, { recordType: "egv", recordVersion: "3.0", userId: token, records });
      }
      if (path === "/wellness-api/rest/backfill/dailies") {
        const start = seconds("summaryStartTimeInSeconds");
        const end = seconds("summaryEndTimeInSeconds");
        if (!(end > start)) return answer(400, { errorMessage: "bad range" });
        const asked = backfillRanges.get(token) ?? [];
        if (asked.some(([from, to]) => start < to && from < end)) return answer(409, { errorMessage: "duplicate backfill" });
        asked.push([start, end]);
        backfillRanges.set(token, asked);
        return answer(202);
      }
      answer(404, { error: "no such route" });
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const envelope: { error: number | undefined } = { error: undefined };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    records: (userId) => [...(byUser.get(userId) ?? [])],
    add(userId, record) {
      const list = byUser.get(userId) ?? [];
      list.push(record);
      list.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
      byUser.set(userId, list);
    },
    holdWhen(predicate) {
      holdPredicate = predicate;
    },
    get held() {
      return held;
    },
    release() {
      holdPredicate = undefined;
      for (const resume of waiting.splice(0)) resume();
    },
    get envelopeError() {
      return envelope.error;
    },
    set envelopeError(value) {
      envelope.error = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const resume of waiting.splice(0)) resume();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Records every `stepMinutes` over the `days` before `now`, ids `<prefix><n>`. */
export function seedRecords(api: RecordsApi, userId: string, options: { now: number; days: number; stepMinutes: number; prefix?: string }): ApiRecord[] {
  const seeded: ApiRecord[] = [];
  const step = options.stepMinutes * 60_000;
  const first = options.now - options.days * 86_400_000;
  for (let time = first, n = 0; time < options.now; time += step, n++) {
    const record = { id: `${options.prefix ?? "r"}${n}`, time, value: n % 300 };
    api.add(userId, record);
    seeded.push(record);
  }
  return seeded;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
