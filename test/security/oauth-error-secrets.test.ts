import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import type { VendorCredentials } from "../../engine/manifest/credentials.js";
import { clientSecretBasic } from "../../engine/oauth/client-auth.js";
import { createTokenService, type TokenService } from "../../engine/oauth/connections.js";
import { freePort } from "../support/free-port.js";
import { testVendor } from "../fixtures/oauth/manifests.js";

// Issue 10 §5: no error the engine throws (or result it returns) may carry the request, headers, tokens or secrets
// anywhere in its object graph. Every failure of the token, revocation and API calls is provoked against a real
// local server that echoes what it received, and the whole graph is printed with util.inspect(depth: Infinity).
type Mode = "ok" | "hang" | "reset" | "400" | "401" | "500";

const CLIENT_SECRET = "client-secret-MUST-NOT-LEAK-0123";
const SUBSCRIPTION_KEY = "subscription-key-MUST-NOT-LEAK-456";
const QUERY_SECRET = "query-secret-MUST-NOT-LEAK-789";
const CODE = "authorization-code-MUST-NOT-LEAK";
const credentials: VendorCredentials = { clientId: "leak-test-client", clientSecret: CLIENT_SECRET, settings: { subscriptionKey: SUBSCRIPTION_KEY } };

let server: Server;
let origin: string;
let mode: Mode = "ok";
let issued = 0;
const sockets = new Set<Socket>();

function handle(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    if (mode === "hang") return; // never answers; the socket is destroyed in afterAll
    if (mode === "reset") {
      request.socket.destroy();
      return;
    }
    // A vendor that echoes the request into its error page: none of it may reach our errors.
    const echo = JSON.stringify({ url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
    if (mode !== "ok") {
      const status = Number(mode);
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: status === 400 ? "invalid_request" : "server_error", error_description: echo, echo }));
      return;
    }
    if (request.url?.startsWith("/token")) {
      issued++;
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ access_token: `access-token-MUST-NOT-LEAK-${issued}`, refresh_token: `refresh-token-MUST-NOT-LEAK-${issued}`, expires_in: 3600, token_type: "Bearer", user_id: "vendor-user-1" }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
}

function vendorAt(base: string) {
  return testVendor({
    id: "leaky",
    displayName: "Echoing vendor",
    settings: { subscriptionKey: { description: "a static API header" } },
    oauth: {
      authorizeUrl: `${base}/authorize`,
      tokenUrl: `${base}/token`,
      scopes: ["read"],
      clientAuth: "client_secret_basic",
      pkce: true,
      refreshToken: "rotating",
      userId: { from: "tokenResponse", field: "user_id" },
      revoke: { url: `${base}/revoke`, method: "POST", send: "rfc7009", token: "refresh_token" },
    },
    api: { baseUrl: `${base}/api`, headers: { "x-subscription-key": "{settings.subscriptionKey}" } },
  });
}

function service(base = origin): TokenService {
  return createTokenService({
    vendor: vendorAt(base),
    credentials,
    ...sharedBackends,
    httpTimeoutMs: 300,
    api: { timeoutMs: 300, maxServerErrorRetries: 0, backoffBaseMs: 1 },
  });
}

const sharedBackends = createMemoryBackends();
const SECRETS = [CLIENT_SECRET, SUBSCRIPTION_KEY, QUERY_SECRET, CODE, "MUST-NOT-LEAK", clientSecretBasic(credentials.clientId, CLIENT_SECRET).slice("Basic ".length)];

function expectNoSecrets(value: unknown, what: string): string {
  const printed = inspect(value, { depth: Infinity, showHidden: true, getters: true });
  for (const secret of SECRETS) expect(printed, `${what} leaks ${secret.slice(0, 12)}...`).not.toContain(secret);
  expect(printed, what).not.toMatch(/authorization/i);
  return printed;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

let user = 0;
async function connectedUser(): Promise<string> {
  mode = "ok";
  const userId = `user-${++user}`;
  const start = await service().authorizationUrl({ userId, redirectUri: "https://connector.example/oauth/leaky/callback" });
  await service().exchangeCode({ code: CODE, state: start.state });
  return userId;
}

beforeAll(async () => {
  server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const FAILURES: Mode[] = ["hang", "reset", "400", "401", "500"];

// One retry: in full-suite runs the first stalled exchange of this file once outlived the test timeout (see
// token-endpoint.ts); a leak fails every attempt alike.
describe("errors from the token endpoint hold no secret", { retry: 1 }, () => {
  it.each(FAILURES)("code exchange: %s", async (failure) => {
    const tokens = service();
    const start = await tokens.authorizationUrl({ userId: "exchanging", redirectUri: "https://connector.example/oauth/leaky/callback" });
    mode = failure;
    const error = await caught(tokens.exchangeCode({ code: CODE, state: start.state }));
    expect(error).toMatchObject({ name: "ConnectorError", code: "token_endpoint_error" });
    expectNoSecrets(error, `exchange ${failure}`);
  });

  it("code exchange: nothing listening (connection refused)", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const tokens = service(closed);
    const start = await tokens.authorizationUrl({ userId: "exchanging", redirectUri: "https://connector.example/oauth/leaky/callback" });
    const error = await caught(tokens.exchangeCode({ code: CODE, state: start.state }));
    expect(error).toMatchObject({ code: "token_endpoint_error" });
    expect(expectNoSecrets(error, "exchange refused")).toContain("ECONNREFUSED");
  });

  it.each(FAILURES)("refresh: %s", async (failure) => {
    const userId = await connectedUser();
    mode = failure;
    const error = await caught(service().refreshIfNeeded(userId, { skewSeconds: 7200 }));
    expect(error).toMatchObject({ name: "ConnectorError" });
    expectNoSecrets(error, `refresh ${failure}`);
  });
});

describe("revocation failures are reported without secrets", () => {
  it.each(FAILURES)("revoke: %s", async (failure) => {
    const userId = await connectedUser();
    mode = failure;
    const result = await service().revokeTokens(userId);
    expect(result).toMatchObject({ revokedAtVendor: false, deleted: true, vendorRevocation: { outcome: "failed" } });
    expectNoSecrets(result, `revoke ${failure}`);
  });
});

describe("errors from the vendor API client hold no secret", () => {
  it.each(FAILURES)("GET with a secret in the query: %s", async (failure) => {
    const userId = await connectedUser();
    mode = failure;
    const error = await caught(service().api(userId).get("data", { searchParams: { api_key: QUERY_SECRET } }).json());
    expectNoSecrets(error, `api ${failure}`);
    if (failure === "401") {
      // A 401 renews the token first; this vendor's token endpoint fails too, so the refresh error is what comes out.
      expect(error).toMatchObject({ name: "ConnectorError" });
    } else if (failure === "400" || failure === "500") {
      // The caller still learns what went wrong.
      expect(error).toMatchObject({ name: "HTTPError", response: { status: Number(failure) } });
      expect(String((error as Error).message)).toContain(`${origin}/api/data`);
      expect(((await (error as { response: Response }).response.json()) as { error: string }).error).toBe(failure === "400" ? "invalid_request" : "server_error");
    } else {
      expect(error).toMatchObject({ name: "ConnectorError", code: "vendor_api_error" });
    }
  });

  it("POST (never retried) to a vendor that resets the connection", async () => {
    const userId = await connectedUser();
    mode = "reset";
    const error = await caught(service().api(userId).post("data", { json: { token: QUERY_SECRET } }));
    expect(error).toMatchObject({ code: "vendor_api_error" });
    expectNoSecrets(error, "api post reset");
  });
});
