import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A vendor API on 127.0.0.1 that checks every bearer token with the authorization server (RFC 7662 introspection),
 * so a revoked or unknown token gets 401 as at a real vendor; `refusedTokens` are refused too.
 * - GET /me: `{ sub }` of the token (the profile call that names the vendor's user).
 * - GET /v1/sleep/{id}: the resource; `deleted` answers 404, `purged` 410, `broken` 500, `slow-*` after 300 ms.
 */
export interface VendorApi {
  readonly url: string;
  readonly requests: { method: string; path: string; authorization: string | undefined; status: number }[];
  /** Tokens the vendor refuses although the authorization server still says they are active (vendor-side invalidation). */
  readonly refusedTokens: Set<string>;
  close(): Promise<void>;
}

export async function startVendorApi(options: { introspect: (token: string) => Promise<{ active: boolean; sub?: unknown }> }): Promise<VendorApi> {
  const requests: VendorApi["requests"] = [];
  const refusedTokens = new Set<string>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const authorization = req.headers.authorization;
    const answer = (status: number, body?: unknown) => {
      requests.push({ method: req.method ?? "", path, authorization, status });
      res.statusCode = status;
      if (body === undefined) return void res.end();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : "";
      const introspection = token ? await options.introspect(token) : { active: false };
      if (!introspection.active || refusedTokens.has(token)) return answer(401, { error: "invalid_token" });
      const sub = String(introspection.sub);
      if (path === "/me") return answer(200, { sub });
      const id = /^\/v1\/sleep\/([^/]+)$/.exec(path)?.[1];
      if (!id) return answer(404, { error: "no such route" });
      if (id === "deleted") return answer(404, { error: "not found" });
      if (id === "purged") return answer(410, { error: "gone" });
      if (id === "broken") return answer(500, { error: "internal" });
      if (id.startsWith("slow-")) await new Promise((resolve) => setTimeout(resolve, 300));
      answer(200, { id, score: 87, owner: sub });
    })().catch((error: unknown) => answer(500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    refusedTokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
