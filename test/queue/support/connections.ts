// No test-runner imports here: the crash test bundles this file into a plain node child.
import type { ConnectorEngine } from "../../../engine/connector-engine.js";
import { encodeTokenSet } from "../../../engine/oauth/token-set.js";
import type { Backends } from "../../../engine/ports/backends.js";
import type { ConnectionStatus } from "../../../engine/ports/token-store.js";

export const REDIRECT_URI = "https://connector.test/oauth/callback";

/** Connects `userId` the way a user does: authorization URL, login at the authorization server, code exchange. */
export async function connectThroughAuthorizationServer(
  engine: ConnectorEngine,
  vendor: string,
  authorize: (url: string) => Promise<URL>,
  userId: string,
  vendorUserId: string,
) {
  const service = engine.vendor(vendor);
  const request = await service.authorizationUrl({ userId, redirectUri: REDIRECT_URI });
  const url = new URL(request.url);
  url.searchParams.set("login_hint", vendorUserId);
  const callback = await authorize(url.toString());
  const code = callback.searchParams.get("code");
  const state = callback.searchParams.get("state");
  if (!code || !state) throw new Error(`no code in callback ${callback.search}`);
  return service.exchangeCode({ code, state, redirectUri: REDIRECT_URI, userId });
}

/** Writes a sealed connection in the token service's own format, for tests that never call the vendor with it. */
export async function storeSealedConnection(
  backends: Pick<Backends, "tokenStore" | "encryptor">,
  connection: { vendor: string; userId: string; vendorUserId: string; status?: ConnectionStatus },
) {
  const { vendor, userId } = connection;
  const tokens = { accessToken: `at-${userId}`, tokenType: "Bearer", refreshToken: `rt-${userId}`, scopes: ["sleep"], raw: {}, obtainedAt: Date.now() };
  const sealedTokens = await backends.encryptor.seal(encodeTokenSet(tokens), { vendor, userId });
  const existing = await backends.tokenStore.get(vendor, userId);
  return backends.tokenStore.put(
    { vendor, userId, vendorUserId: connection.vendorUserId, status: connection.status ?? "active", sealedTokens, updatedAt: Date.now() },
    existing?.version ?? null,
  );
}
