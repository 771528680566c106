import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface AppSubscription {
  id: string;
  callback_url: string;
  event_type: string;
  data_type: string;
  expiration_time: string;
}

/**
 * A vendor with Oura-style app-level webhook subscriptions (x-client-id / x-client-secret headers; create, list, renew,
 * delete; each expires 90 days after its creation or renewal) and a Withings-style per-user `notify` service (POST
 * form with the user's bearer token; errors as HTTP 200 with `status` != 0), and per-user subscriptions that expire
 * 7 days after their creation or last renewal (Microsoft Graph style: PATCH renews, 404 once lapsed).
 */
/** A per-user subscription that lapses: gone once `expirationDateTime` has passed (the server prunes it). */
export interface UserSubscription {
  id: string;
  userId: string;
  resource: string;
  expirationDateTime: string;
}

export interface SubscriptionApi {
  readonly url: string;
  readonly app: Map<string, AppSubscription>;
  /** Per-user expiring subscriptions (POST / PATCH to renew / DELETE /v1/user-subscriptions, user's bearer token). */
  readonly users: Map<string, UserSubscription>;
  /** Ids of user subscriptions that lapsed before anyone renewed them. */
  readonly lapsed: string[];
  /** userId -> "appli|callbackurl" subscribed. */
  readonly notify: Map<string, Set<string>>;
  readonly calls: string[];
  close(): Promise<void>;
}

const LIFETIME_MS = 90 * 86_400_000;
const USER_LIFETIME_MS = 7 * 86_400_000;

export async function startSubscriptionApi(options: { clientId: string; clientSecret: string; now: () => number }): Promise<SubscriptionApi> {
  const app = new Map<string, AppSubscription>();
  const notify = new Map<string, Set<string>>();
  const calls: string[] = [];
  const users = new Map<string, UserSubscription>();
  const lapsed: string[] = [];
  let next = 1;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const body = await readBody(req);
      const answer = (status: number, json?: unknown) => {
        calls.push(`${req.method} ${url.pathname} ${status}`);
        res.writeHead(status, { "content-type": "application/json" });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      if (url.pathname.startsWith("/v2/webhook/subscription")) {
        if (req.headers["x-client-id"] !== options.clientId || req.headers["x-client-secret"] !== options.clientSecret) return answer(401, { detail: "bad client" });
        const expiry = () => new Date(options.now() + LIFETIME_MS).toISOString();
        if (req.method === "GET" && url.pathname === "/v2/webhook/subscription") return answer(200, [...app.values()]);
        if (req.method === "POST" && url.pathname === "/v2/webhook/subscription") {
          const wanted = JSON.parse(body) as Partial<AppSubscription> & { verification_token?: string };
          if (!wanted.callback_url || !wanted.event_type || !wanted.data_type || !wanted.verification_token) return answer(422, { detail: "missing field" });
          if ([...app.values()].some((s) => s.event_type === wanted.event_type && s.data_type === wanted.data_type)) return answer(409, { detail: "exists" });
          const created = { id: `sub-${next++}`, callback_url: wanted.callback_url, event_type: wanted.event_type, data_type: wanted.data_type, expiration_time: expiry() };
          app.set(created.id, created);
          return answer(201, created);
        }
        const renew = /^\/v2\/webhook\/subscription\/renew\/([^/]+)$/.exec(url.pathname);
        if (req.method === "PUT" && renew) {
          const found = app.get(renew[1]!);
          if (!found) return answer(404, { detail: "no such subscription" });
          found.expiration_time = expiry();
          return answer(200, found);
        }
        const one = /^\/v2\/webhook\/subscription\/([^/]+)$/.exec(url.pathname);
        if (req.method === "DELETE" && one) return answer(app.delete(one[1]!) ? 204 : 404);
        return answer(404);
      }
      if (url.pathname.startsWith("/v1/user-subscriptions")) {
        for (const [id, subscription] of users) {
          if (Date.parse(subscription.expirationDateTime) <= options.now()) {
            users.delete(id);
            lapsed.push(id);
          }
        }
        const token = req.headers.authorization?.startsWith("Bearer at-") ? req.headers.authorization.slice("Bearer at-".length) : undefined;
        if (!token) return answer(401, { error: "invalid token" });
        const expiry = () => new Date(options.now() + USER_LIFETIME_MS).toISOString();
        if (req.method === "POST" && url.pathname === "/v1/user-subscriptions") {
          const wanted = JSON.parse(body) as { resource?: string };
          if (!wanted.resource) return answer(400, { error: "resource required" });
          const created = { id: `us-${next++}`, userId: token, resource: wanted.resource, expirationDateTime: expiry() };
          users.set(created.id, created);
          return answer(201, created);
        }
        const one = /^\/v1\/user-subscriptions\/([^/]+)$/.exec(url.pathname);
        const found = one ? users.get(one[1]!) : undefined;
        if (!found || found.userId !== token) return answer(404, { error: "no such subscription" });
        if (req.method === "PATCH") {
          found.expirationDateTime = expiry();
          return answer(200, found);
        }
        if (req.method === "DELETE") {
          users.delete(found.id);
          return answer(204);
        }
        return answer(405);
      }
      if (url.pathname === "/notify" && req.method === "POST") {
        const token = req.headers.authorization?.startsWith("Bearer at-") ? req.headers.authorization.slice("Bearer at-".length) : undefined;
        if (!token) return answer(200, { status: 401, error: "invalid token" });
        const form = new URLSearchParams(body);
        const callback = form.get("callbackurl") ?? "";
        if (!/^https:\/\//.test(callback)) return answer(200, { status: 293, error: "callback URL unreachable" });
        const key = `${form.get("appli")}|${callback}`;
        const subscribed = notify.get(token) ?? new Set<string>();
        notify.set(token, subscribed);
        if (form.get("action") === "subscribe") {
          subscribed.add(key);
          return answer(200, { status: 0, body: {} });
        }
        if (form.get("action") === "revoke") {
          if (!subscribed.delete(key)) return answer(200, { status: 294, error: "no such subscription" });
          return answer(200, { status: 0, body: {} });
        }
        return answer(200, { status: 2555, error: "unknown action" });
      }
      answer(404);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    app,
    notify,
    users,
    lapsed,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
