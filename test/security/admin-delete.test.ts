import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../../engine/handlers/local-server.js";
import { rawRequest } from "../e2e/support.js";
import { ADMIN_TOKEN, approveAtSandbox, Browser, startSandboxServer, temporaryDirectory } from "./oauth-support.js";

// Issue 10 §5: `serve` let any loopback caller DELETE connections without SYNHEART_ADMIN_TOKEN. Behind a reverse
// proxy on the same host, every caller is loopback.
describe("DELETE /connections on serve", () => {
  const withToken = temporaryDirectory();
  const withoutToken = temporaryDirectory();
  let server: LocalServer;
  let tokenless: LocalServer;

  beforeAll(async () => {
    server = await startSandboxServer(withToken.path);
    tokenless = await startSandboxServer(withoutToken.path, { env: { SYNHEART_CONNECT_LINK_KEY: "x".repeat(32) } });
    for (const target of [server, tokenless]) {
      const browser = new Browser();
      const started = await browser.get(target.connectUrl("sandbox", "victim"));
      await browser.get(await approveAtSandbox(browser, started.headers.get("location")!));
      expect(await target.engine.vendor("sandbox").connectionStatus("victim")).toMatchObject({ status: "active" });
    }
  });
  afterAll(async () => {
    await server?.close();
    await tokenless?.close();
    withToken.remove();
    withoutToken.remove();
  });

  it("refuses loopback callers without the token, with a wrong one, and as a proxy would forward them", async () => {
    const url = `${server.origin}/connections/sandbox/victim`;
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${ADMIN_TOKEN}x` }, { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }, { authorization: ADMIN_TOKEN }, { "x-forwarded-for": "127.0.0.1" }];
    for (const headers of attempts) {
      const response = await rawRequest(url, { method: "DELETE", headers });
      expect(response.status).toBe(403);
    }
    const other = await rawRequest(url, { method: "DELETE", localAddress: "127.0.0.2" });
    expect(other.status).toBe(403);
    expect(await server.engine.vendor("sandbox").connectionStatus("victim")).toMatchObject({ status: "active" });
  });

  it("revokes with the admin token", async () => {
    const response = await rawRequest(`${server.origin}/connections/sandbox/victim`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ deleted: true, revokedAtVendor: true });
  });

  it("refuses everyone when no admin token is configured", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer " }, { authorization: "Bearer undefined" }];
    for (const headers of attempts) {
      const response = await rawRequest(`${tokenless.origin}/connections/sandbox/victim`, { method: "DELETE", headers });
      expect(response.status).toBe(403);
    }
    expect(await tokenless.engine.vendor("sandbox").connectionStatus("victim")).toMatchObject({ status: "active" });
  });
});
