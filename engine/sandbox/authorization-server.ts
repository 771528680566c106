import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A small but real OAuth 2.0 authorization server for the sandbox vendor: authorization code grant (RFC 6749 4.1)
 * with PKCE S256 required (RFC 7636), client_secret_basic, rotating refresh tokens with reuse detection, and
 * RFC 7009 revocation. The user "logs in" by clicking Approve on the consent page (or the demo follows that link).
 */
export interface SandboxClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly vendorUserId: string;
  readonly expiresAt: number;
}

interface Grant {
  readonly vendorUserId: string;
  readonly scope: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  revoked: boolean;
}

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly scope: string;
  readonly codeChallenge: string;
}

const CODE_TTL_MS = 60_000;
const ACCESS_TOKEN_TTL_SECONDS = 3600;

export class SandboxAuthorizationServer {
  private readonly codes = new Map<string, PendingCode>();
  private readonly consents = new Map<string, AuthorizeRequest>();
  private readonly grantsByAccessToken = new Map<string, Grant>();
  private readonly grantsByRefreshToken = new Map<string, Grant>();
  /** Spent refresh tokens: presenting one again revokes the grant (reuse detection). */
  private readonly spentRefreshTokens = new Map<string, Grant>();
  readonly connectedUsers: string[] = [];

  constructor(
    private readonly client: SandboxClient,
    /** e.g. http://127.0.0.1:8787/sandbox */
    private readonly base: string,
    /** Registered redirect URIs; a request naming any other is refused without a redirect. */
    private readonly redirectUris: readonly string[],
  ) {}

  /** GET /oauth/authorize: validates the request and shows the consent page. */
  authorize(url: URL): Response {
    const q = url.searchParams;
    const clientId = q.get("client_id");
    const redirectUri = q.get("redirect_uri");
    if (clientId !== this.client.clientId || !redirectUri || !this.redirectUris.includes(redirectUri)) {
      // Never redirect to an unverified redirect_uri (RFC 6749 4.1.2.1).
      return text(400, "invalid_request: unknown client_id or bad redirect_uri");
    }
    const state = q.get("state") ?? "";
    const back = (error: string) => Response.redirect(withParams(redirectUri, { error, state }), 302);
    if (q.get("response_type") !== "code") return back("unsupported_response_type");
    const codeChallenge = q.get("code_challenge");
    if (!codeChallenge || q.get("code_challenge_method") !== "S256") return back("invalid_request");
    const consentId = randomBytes(16).toString("base64url");
    this.consents.set(consentId, { clientId, redirectUri, state, scope: q.get("scope") ?? "", codeChallenge });
    const approve = `${this.base}/oauth/approve?consent=${consentId}&login=alice`;
    const deny = `${this.base}/oauth/approve?consent=${consentId}&deny=1`;
    return new Response(
      `<!doctype html><meta charset="utf-8"><title>Sandbox Wearable: authorize</title>
<h1>Sandbox Wearable</h1>
<p>An application wants to read your sleep and workouts (${escapeHtml(q.get("scope") ?? "")}).</p>
<p><a id="approve" href="${approve}">Approve as sandbox user "alice"</a> &middot; <a id="deny" href="${deny}">Deny</a></p>\n`,
      { status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } },
    );
  }

  /** GET /oauth/approve: the user's decision; back to the client with a code or an error. */
  approve(url: URL): Response {
    const consentId = url.searchParams.get("consent") ?? "";
    const consent = this.consents.get(consentId);
    if (!consent) return text(400, "unknown or used consent");
    this.consents.delete(consentId);
    if (url.searchParams.has("deny")) return Response.redirect(withParams(consent.redirectUri, { error: "access_denied", state: consent.state }), 302);
    const login = (url.searchParams.get("login") ?? "alice").replace(/[^a-z0-9-]/gi, "").slice(0, 32) || "alice";
    const code = randomBytes(24).toString("base64url");
    this.codes.set(code, { ...consent, vendorUserId: `sbx-${login}`, expiresAt: Date.now() + CODE_TTL_MS });
    return Response.redirect(withParams(consent.redirectUri, { code, state: consent.state }), 302);
  }

  /** POST /oauth/token: authorization_code and refresh_token grants. */
  async token(request: Request): Promise<Response> {
    if (!this.clientAuthenticated(request.headers.get("authorization"))) {
      return json(401, { error: "invalid_client" }, { "www-authenticate": 'Basic realm="sandbox"' });
    }
    const form = new URLSearchParams(await request.text());
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      const code = form.get("code") ?? "";
      const pending = this.codes.get(code);
      this.codes.delete(code); // single use, whatever happens next
      if (!pending || pending.expiresAt < Date.now() || pending.redirectUri !== form.get("redirect_uri")) return json(400, { error: "invalid_grant" });
      const verifier = form.get("code_verifier") ?? "";
      if (createHash("sha256").update(verifier, "ascii").digest("base64url") !== pending.codeChallenge) return json(400, { error: "invalid_grant" });
      const grant = this.issue(pending.vendorUserId, pending.scope);
      if (!this.connectedUsers.includes(pending.vendorUserId)) this.connectedUsers.push(pending.vendorUserId);
      return json(200, tokenResponse(grant));
    }
    if (grantType === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const reused = this.spentRefreshTokens.get(presented);
      if (reused) {
        this.revokeGrant(reused);
        return json(400, { error: "invalid_grant" });
      }
      const grant = this.grantsByRefreshToken.get(presented);
      if (!grant || grant.revoked) return json(400, { error: "invalid_grant" });
      this.grantsByRefreshToken.delete(presented);
      this.spentRefreshTokens.set(presented, grant);
      this.grantsByAccessToken.delete(grant.accessToken);
      this.rotate(grant);
      return json(200, tokenResponse(grant));
    }
    return json(400, { error: "unsupported_grant_type" });
  }

  /** POST /oauth/revoke (RFC 7009): revokes the whole grant; 200 even for an unknown token. */
  async revoke(request: Request): Promise<Response> {
    if (!this.clientAuthenticated(request.headers.get("authorization"))) return json(401, { error: "invalid_client" });
    const token = new URLSearchParams(await request.text()).get("token") ?? "";
    const grant = this.grantsByRefreshToken.get(token) ?? this.grantsByAccessToken.get(token);
    if (grant) this.revokeGrant(grant);
    return new Response(null, { status: 200 });
  }

  /** The vendor user behind a bearer token, for the data API. */
  userOf(authorization: string | null): string | undefined {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? "")?.[1];
    const grant = token ? this.grantsByAccessToken.get(token) : undefined;
    if (!grant || grant.revoked || grant.accessExpiresAt < Date.now()) return undefined;
    return grant.vendorUserId;
  }

  private issue(vendorUserId: string, scope: string): Grant {
    const grant: Grant = { vendorUserId, scope, accessToken: "", accessExpiresAt: 0, refreshToken: "", revoked: false };
    this.rotate(grant);
    return grant;
  }

  private rotate(grant: Grant): void {
    grant.accessToken = `sbx_at_${randomBytes(24).toString("base64url")}`;
    grant.refreshToken = `sbx_rt_${randomBytes(24).toString("base64url")}`;
    grant.accessExpiresAt = Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000;
    this.grantsByAccessToken.set(grant.accessToken, grant);
    this.grantsByRefreshToken.set(grant.refreshToken, grant);
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    this.grantsByAccessToken.delete(grant.accessToken);
    this.grantsByRefreshToken.delete(grant.refreshToken);
    const index = this.connectedUsers.indexOf(grant.vendorUserId);
    if (index >= 0) this.connectedUsers.splice(index, 1);
  }

  private clientAuthenticated(authorization: string | null): boolean {
    const encoded = /^Basic (\S+)$/i.exec(authorization ?? "")?.[1];
    if (!encoded) return false;
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
    return id === this.client.clientId && equal(secret, this.client.clientSecret);
  }
}

function tokenResponse(grant: Grant) {
  return {
    access_token: grant.accessToken,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: grant.refreshToken,
    scope: grant.scope,
    user_id: grant.vendorUserId,
  };
}

function equal(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}

function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) if (value) url.searchParams.set(name, value);
  return url.toString();
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}

export function text(status: number, body: string): Response {
  return new Response(body + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
