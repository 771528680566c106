import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createVendorApiClient } from "../../engine/api/client.js";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { ConnectorError, isConnectorError } from "../../engine/errors.js";
import { testVendor, tokenResponseOAuth } from "../fixtures/oauth/manifests.js";

// A vendor API that stalls: before its headers, or after half of its body. Every attempt of the client has one
// deadline for the answer and its whole body; these tests hang (and fail on vitest's timeout) if it does not hold.

type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

let server: Server | undefined;
const stalled: ServerResponse[] = [];

afterEach(async () => {
  for (const response of stalled.splice(0)) response.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function startApi(handler: Handler): Promise<string> {
  let index = 0;
  server = createServer((request, response) => handler(request, response, index++));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, extra: { timeoutMs: number; maxServerErrorRetries?: number }) {
  const vendor = testVendor({
    id: "stalling",
    displayName: "Stalling",
    oauth: tokenResponseOAuth(baseUrl),
    api: { baseUrl },
  });
  return createVendorApiClient({
    vendor,
    credentials: { clientId: "id", clientSecret: "secret", settings: {} },
    tokens: { current: async () => "bearer-token-never-shown" },
    rateLimiter: createMemoryBackends().rateLimiter,
    backoffBaseMs: 1,
    ...extra,
  });
}

const stallBeforeHeaders: Handler = (_request, response) => {
  stalled.push(response);
};

const stallMidBody: Handler = (_request, response) => {
  stalled.push(response);
  response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
  response.write('{"records":[{"id":1},');
};

async function failure(work: Promise<unknown>): Promise<ConnectorError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("vendor API client: one deadline per attempt, for the answer and its body", () => {
  it("a vendor that never sends its headers ends in a timeout error, without the token or the query", async () => {
    const http = client(await startApi(stallBeforeHeaders), { timeoutMs: 200, maxServerErrorRetries: 0 });
    const error = await failure(http.get("v2/sleep", { searchParams: { access_token: "query-secret" } }).json());
    expect(isConnectorError(error, "vendor_api_error")).toBe(true);
    expect(error.details).toMatchObject({ timedOut: true, timeoutMs: 200 });
    expect(error.message).toContain("GET /v2/sleep timed out");
    const shown = inspect(error, { depth: Infinity });
    expect(shown).not.toContain("bearer-token-never-shown");
    expect(shown).not.toContain("query-secret");
  });

  it("a vendor that stalls in the middle of its body ends in a timeout error too", async () => {
    const http = client(await startApi(stallMidBody), { timeoutMs: 200, maxServerErrorRetries: 0 });
    const error = await failure(http.get("v2/sleep").json());
    expect(isConnectorError(error, "vendor_api_error")).toBe(true);
    expect(error.details).toMatchObject({ timedOut: true });
  });

  it("a POST is not retried after a timeout (it may have been applied)", async () => {
    let requests = 0;
    const http = client(
      await startApi((request, response, index) => {
        requests++;
        stallMidBody(request, response, index);
      }),
      { timeoutMs: 200, maxServerErrorRetries: 3 },
    );
    const error = await failure(http.post("v2/subscriptions", { json: { a: 1 } }).json());
    expect(error.details).toMatchObject({ timedOut: true });
    expect(requests).toBe(1);
  });

  it("an idempotent request that timed out is retried, and the answer of the retry is read whole", async () => {
    const http = client(
      await startApi((request, response, index) => {
        if (index === 0) return stallMidBody(request, response, index);
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ records: [{ id: 1 }, { id: 2 }] }));
      }),
      { timeoutMs: 300, maxServerErrorRetries: 1 },
    );
    expect(await http.get("v2/sleep").json()).toEqual({ records: [{ id: 1 }, { id: 2 }] });
  });

  it("clears its timer once an attempt is answered: no timer of the client outlives the request", async () => {
    const http = client(
      await startApi((_request, response) => {
        response.writeHead(204);
        response.end();
      }),
      { timeoutMs: 600_000 },
    );
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    const response = await http.get("v2/ping");
    expect(response.status).toBe(204);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
