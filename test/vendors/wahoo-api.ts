import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Wahoo Cloud API that behaves as https://cloud-api.wahooligan.com documents it: the OAuth token endpoint
 * (code exchange with the client's credentials as parameters, PKCE verifier, refresh returning a new refresh token),
 * GET /v1/user, GET /v1/workouts (every workout, newest first by `starts`, `page` and `per_page`, 30 by default),
 * DELETE /v1/permissions, and the rate-limit headers `X-RateLimit-Limit: <day>, <hour>, <5min>` with
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
 */
export interface WahooWorkout {
  readonly id: number;
  readonly starts: string;
  readonly minutes: number;
  readonly name: string;
  readonly workout_type_id: number;
  readonly workout_summary: Record<string, unknown> | null;
}

export interface WahooRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly form: Record<string, string>;
  readonly authorization: string | undefined;
  readonly status: number;
}

export interface WahooApi {
  readonly url: string;
  readonly requests: WahooRequest[];
  readonly workouts: WahooWorkout[];
  /** Access tokens revoked by DELETE /v1/permissions. */
  readonly revoked: Set<string>;
  close(): Promise<void>;
}

export const WAHOO_CLIENT = { clientId: "wahoo-client", clientSecret: "wahoo-secret" };
export const WAHOO_USER_ID = 60462;
const LIMITS = [5000, 1000, 200];

export async function startWahooApi(): Promise<WahooApi> {
  const requests: WahooRequest[] = [];
  const workouts: WahooWorkout[] = [];
  const revoked = new Set<string>();
  const live = new Set<string>();
  let issued = 0;
  let calls = 0;

  const issue = () => {
    issued += 1;
    const access = `wahoo-at-${issued}`;
    live.add(access);
    return { access_token: access, token_type: "Bearer", expires_in: 7200, refresh_token: `wahoo-rt-${issued}`, scope: "user_read workouts_read offline_data", created_at: 1_764_000_000 };
  };

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://wahoo.local");
    const body = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    const form = Object.fromEntries(new URLSearchParams(body));
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const send = (status: number, json: unknown) => {
      requests.push({ method: request.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), form, authorization: request.headers.authorization, status });
      calls += 1;
      response.writeHead(status, {
        "content-type": "application/json",
        "X-RateLimit-Limit": LIMITS.join(", "),
        "X-RateLimit-Remaining": LIMITS.map((limit) => limit - calls).join(", "),
        "X-RateLimit-Reset": "0",
      });
      response.end(JSON.stringify(json));
    };

    if (request.method === "POST" && url.pathname === "/oauth/token") {
      const params = { ...Object.fromEntries(url.searchParams), ...form };
      if (params.client_id !== WAHOO_CLIENT.clientId || params.client_secret !== WAHOO_CLIENT.clientSecret) return send(401, { error: "invalid_client" });
      if (params.grant_type === "authorization_code") {
        if (params.code !== "wahoo-code" || !params.redirect_uri || !/^[A-Za-z0-9._~-]{43,128}$/.test(params.code_verifier ?? "")) return send(400, { error: "invalid_grant" });
        return send(200, issue());
      }
      if (params.grant_type === "refresh_token" && /^wahoo-rt-\d+$/.test(params.refresh_token ?? "")) return send(200, issue());
      return send(400, { error: "invalid_grant" });
    }
    if (!bearer || !live.has(bearer)) return send(401, { error: "Unauthorized" });
    if (request.method === "GET" && url.pathname === "/v1/user") {
      return send(200, { id: WAHOO_USER_ID, height: "2.0", weight: "80.0", first: "Bob", last: "Smith", created_at: "2018-10-23T15:38:23.000Z", updated_at: "2018-10-24T20:46:40.000Z" });
    }
    if (request.method === "GET" && url.pathname === "/v1/workouts") {
      const page = Number(url.searchParams.get("page") ?? "1");
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      const sorted = [...workouts].sort((a, b) => Date.parse(b.starts) - Date.parse(a.starts));
      const slice = sorted.slice((page - 1) * perPage, page * perPage);
      return send(200, { workouts: slice, total: sorted.length, page, per_page: perPage, order: "descending", sort: "starts" });
    }
    if (request.method === "DELETE" && url.pathname === "/v1/permissions") {
      live.delete(bearer);
      revoked.add(bearer);
      return send(200, { success: "Application has been revoked" });
    }
    return send(404, { error: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    workouts,
    revoked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A workout as the list gives it, started `hoursAgo` before `now`, with a summary unless told otherwise. */
export function workout(id: number, now: number, hoursAgo: number, withSummary = true): WahooWorkout {
  const starts = new Date(now - hoursAgo * 3_600_000).toISOString();
  return {
    id,
    starts,
    minutes: 60,
    name: `Ride ${id}`,
    workout_type_id: 15,
    workout_summary: withSummary
      ? { id: id + 100_000, calories_accum: "600.0", distance_accum: "30000.5", duration_active_accum: "3500.0", duration_total_accum: "3600.0", heart_rate_avg: "140.0", updated_at: starts }
      : null,
  };
}
