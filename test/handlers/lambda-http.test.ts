import { describe, expect, it, vi } from "vitest";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { createLambdaHttpHandler, toRequest, toResult, type ApiGatewayV2Event } from "../../engine/handlers/lambda-http.js";
import { silentLogger, type RequestLogEntry } from "../../engine/handlers/request-log.js";
import { fixture, signedWhoop, whoopEngine, whoopSample } from "./support.js";

const httpApi = () => fixture<ApiGatewayV2Event>("http-api-v2.json");
const functionUrl = () => fixture<ApiGatewayV2Event>("function-url.json");

function withRequest(event: ApiGatewayV2Event, change: { method: string; rawPath: string; rawQueryString?: string; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean }): ApiGatewayV2Event {
  const { method, ...rest } = change;
  return { ...event, rawQueryString: "", ...rest, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, path: change.rawPath } } };
}

describe("API Gateway v2 and function URL events to a web Request", () => {
  it("keeps the documented sample's path, query, headers, cookies and body", async () => {
    const request = toRequest(httpApi());
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value");
    expect(request.headers.get("header2")).toBe("value1,value2");
    expect(request.headers.get("cookie")).toBe("cookie1; cookie2");
    expect(await request.text()).toBe("Hello from Lambda");
  });

  it("does not put a domain name that is not a plain host into the URL", () => {
    expect(new URL(toRequest(functionUrl()).url).host).toBe("lambda.invalid");
  });

  it("decodes base64 bodies to the exact bytes", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const request = toRequest({ ...httpApi(), body: bytes.toString("base64"), isBase64Encoded: true });
    expect(Buffer.from(await request.arrayBuffer())).toEqual(bytes);
  });
});

describe("createLambdaHttpHandler", () => {
  it("verifies and enqueues a signed webhook sent as base64 through API Gateway, seeing the caller's sourceIp", async () => {
    const engine = await whoopEngine();
    const handler = createLambdaHttpHandler(engine, { logger: silentLogger });
    const body = whoopSample();
    const result = await handler(withRequest(httpApi(), { method: "POST", rawPath: "/webhooks/whoop", headers: await signedWhoop(body), body: body.toString("base64"), isBase64Encoded: true }));
    expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(JSON.parse(result.body)).toEqual({ status: "accepted", events: 1 });
    expect(await engine.backends.jobQueue.receive({ maxJobs: 10 })).toHaveLength(1);
  });

  it("answers webhook POSTs like the fetch handler does (replay, body over the cap, unusual path), with the same log line", async () => {
    const engine = await whoopEngine();
    const logs: RequestLogEntry[] = [];
    const options = { logger: (entry: RequestLogEntry) => logs.push(entry), maxBodyBytes: 2048 };
    const lambda = createLambdaHttpHandler(engine, options);
    const fetchHandler = createFetchHandler(engine, options);
    const body = whoopSample();
    const headers = await signedWhoop(body);
    const cases = [
      { method: "POST", rawPath: "/webhooks/whoop", headers, body: body.toString("utf8") },
      { method: "POST", rawPath: "/webhooks/whoop", headers, body: body.toString("utf8") },
      { method: "POST", rawPath: "/webhooks/whoop", headers, body: Buffer.alloc(3000, 0x20).toString("base64"), isBase64Encoded: true },
      { method: "POST", rawPath: "/webhooks/../webhooks/whoop", headers: await signedWhoop("{}"), body: "{}" },
    ];
    const statuses: number[] = [];
    for (const change of cases) {
      const event = withRequest(httpApi(), { ...change, rawQueryString: "a=1" });
      logs.length = 0;
      const result = await lambda(event);
      const lambdaLog = logs.map(({ time: _t, latencyMs: _l, ...rest }) => rest);
      statuses.push(result.statusCode);
      if (statuses.length === 1) continue; // the first one is stored: the fetch handler would now see a replay
      logs.length = 0;
      const viaFetch = await toResult(await fetchHandler(toRequest(event), {}));
      expect({ ...result, headers: { ...result.headers, "content-length": undefined } }).toEqual({ ...viaFetch, headers: { ...viaFetch.headers, "content-length": undefined } });
      expect(lambdaLog).toEqual(logs.map(({ time: _t, latencyMs: _l, ...rest }) => rest));
    }
    expect(statuses).toEqual([200, 409, 413, 200]); // "{}" is signed but carries no event: ignored
    expect(await engine.backends.jobQueue.receive({ maxJobs: 10 })).toHaveLength(1);
  });

  it("answers a bad signature with 401 and a health check with 200 (function URL shape)", async () => {
    const handler = createLambdaHttpHandler(await whoopEngine(), { logger: silentLogger });
    const headers = await signedWhoop("{}");
    const bad = await handler(withRequest(functionUrl(), { method: "POST", rawPath: "/webhooks/whoop", headers, body: JSON.stringify({ tampered: true }) }));
    expect(bad.statusCode).toBe(401);
    const health = await handler(withRequest(functionUrl(), { method: "GET", rawPath: "/healthz" }));
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok", vendors: ["whoop"] });
  });

  it("redirects to the vendor with the configured public URL and a mount prefix, setting a Secure binding cookie", async () => {
    const publicOrigin = "https://id.execute-api.us-east-1.amazonaws.com";
    const handler = createLambdaHttpHandler(await whoopEngine(), { prefix: "/connector", publicOrigin, authorize: () => true, logger: silentLogger });
    const result = await handler(withRequest(httpApi(), { method: "GET", rawPath: "/connector/oauth/whoop/start", rawQueryString: "userId=user-1" }));
    expect(result.statusCode).toBe(302);
    const location = new URL(result.headers.location!);
    expect(location.origin + location.pathname).toBe("https://api.prod.whoop.com/oauth/oauth2/auth");
    expect(location.searchParams.get("redirect_uri")).toBe(`${publicOrigin}/connector/oauth/whoop/callback`);
    expect(result.cookies).toEqual([expect.stringMatching(/^synheart_oauth_whoop=[\w-]{43}; Path=\/connector\/oauth\/whoop\/callback; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/)]);
  });

  it("does not take the redirect URI from the request's host when no public URL is configured", async () => {
    const handler = createLambdaHttpHandler(await whoopEngine(), { authorize: () => true, logger: silentLogger });
    const result = await handler(withRequest(httpApi(), { method: "GET", rawPath: "/oauth/whoop/start", rawQueryString: "userId=user-1" }));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ error: "public_url_not_configured" });
  });

  it("creates the engine once per container and tries again after a failed creation", async () => {
    const engine = await whoopEngine();
    const factory = vi.fn().mockRejectedValueOnce(new Error("cold start failed")).mockResolvedValue(engine);
    const handler = createLambdaHttpHandler(factory, { logger: silentLogger });
    const health = withRequest(httpApi(), { method: "GET", rawPath: "/healthz" });
    await expect(handler(health)).rejects.toThrow("cold start failed");
    expect((await handler(health)).statusCode).toBe(200);
    expect((await handler(health)).statusCode).toBe(200);
    expect(factory).toHaveBeenCalledTimes(2);
  });
});
