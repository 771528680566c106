import type { KyInstance } from "ky";
import { performApiCall } from "../api/api-call.js";
import { createVendorApiClient, type BearerTokenSource, type VendorApiClientOptions } from "../api/client.js";
import { sleep, systemClock, type Clock } from "../clock.js";
import { ConnectorError, isConnectorError, type ConnectorErrorCode } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import { oauthOf, type VendorDefinition } from "../manifest/vendor-definition.js";
import type { Encryptor } from "../ports/encryptor.js";
import type { LeaseManager } from "../ports/lease.js";
import type { PendingAuthorizationStore } from "../ports/pending-authorization-store.js";
import type { RateLimiter } from "../ports/rate-limiter.js";
import type { StoredConnection, TokenStore } from "../ports/token-store.js";
import { authorizationUrl, type AuthorizationRequest, type AuthorizationUrlParameters } from "./authorization-url.js";
import { browserBindingMismatch, matchesBrowserBinding } from "./browser-binding.js";
import type { VendorContext } from "./context.js";
import { revokeAtVendor, type VendorRevocation } from "./revoke.js";
import { hashId, securityLinesToStderr, type SecurityLogger } from "./security-log.js";
import { SingleFlight } from "./single-flight.js";
import { stateExpiryHint } from "./state.js";
import { authorizationCodeGrantRequest, refreshTokenGrantRequest } from "./token-endpoint.js";
import { decodeTokenSet, encodeTokenSet, expiresWithin, type TokenSet } from "./token-set.js";
import { resolveVendorUserId } from "./vendor-user-id.js";

export interface TokenServiceOptions {
  readonly vendor: VendorDefinition;
  readonly credentials: VendorCredentials;
  readonly tokenStore: TokenStore;
  readonly encryptor: Encryptor;
  readonly pendingAuthorizations: PendingAuthorizationStore;
  readonly leases: LeaseManager;
  readonly rateLimiter: RateLimiter;
  readonly clock?: Clock;
  /** Timeout of one token / revocation request. Default 10 s. */
  readonly httpTimeoutMs?: number;
  /** Lease held while refreshing; outlives a token request. Default 30 s. */
  readonly refreshLeaseTtlMs?: number;
  /** How long a caller waits for another worker's refresh before giving up. Default 30 s. */
  readonly refreshWaitMs?: number;
  /** Refresh this long before expiry when the caller does not say. Default 60 s. */
  readonly defaultSkewSeconds?: number;
  /** Retry and rate-limit settings of the vendor API clients this service makes. */
  readonly api?: Partial<Omit<VendorApiClientOptions, "vendor" | "credentials" | "tokens" | "rateLimiter" | "userId">>;
  /** Where relinks (and the revocation of the replaced grant) are logged. Default: a JSON line on stderr. */
  readonly securityLogger?: SecurityLogger;
}

export interface ExchangeCodeParameters {
  readonly code: string;
  readonly state: string;
  /** When given, must equal the redirect URI the authorization started with. */
  readonly redirectUri?: string;
  /** When given (the signed-in user at the callback), must equal the user the authorization started for. */
  readonly userId?: string;
  /** The nonce given to authorizationUrl as `browserBinding`, as the finishing browser presents it (its cookie). */
  readonly browserBinding?: string;
}

export interface ExchangeCodeResult {
  readonly userId: string;
  readonly vendorUserId: string;
  readonly tokens: TokenSet;
  readonly connection: ConnectionState;
}

export interface RefreshOptions {
  /** Refresh when the access token expires within this many seconds. */
  readonly skewSeconds?: number;
  /** The vendor refused this access token (401): refresh unless the stored token is already a different one. */
  readonly rejectedAccessToken?: string;
}

export type ConnectionState =
  | { readonly status: "not_connected" }
  | {
      readonly status: "active" | "reauthorization_required";
      readonly vendorUserId?: string;
      readonly accessTokenExpiresAt?: number;
      /** Granted scopes; absent when the record cannot be opened. */
      readonly scopes?: readonly string[];
      readonly updatedAt: number;
    };

export interface RevokeResult {
  /** The vendor confirmed the revocation. */
  readonly revokedAtVendor: boolean;
  /** What happened at the vendor, in detail. */
  readonly vendorRevocation: VendorRevocation | { readonly outcome: "not_connected" };
  /** Why the vendor call failed, when it did. */
  readonly vendorError?: ConnectorErrorCode;
  /** Whether a local record was deleted (false: there was none). Deletion happens whatever the vendor said. */
  readonly deleted: boolean;
}

interface OpenConnection {
  readonly record: StoredConnection;
  readonly tokens: TokenSet;
}

/**
 * One vendor's connections: authorization, code exchange, sealed storage, refresh and revocation.
 *
 * Refresh is safe with rotating refresh tokens: concurrent callers in one process share one refresh (single-flight);
 * across processes a lease picks the worker that refreshes and the store's compare-and-set guards the write, while
 * the others wait and re-read. A refresh refused with invalid_grant re-reads the store first (another worker may have
 * rotated the token) and only then marks the connection reauthorization_required.
 */
export class TokenService {
  readonly vendorId: string;
  private readonly context: VendorContext;
  private readonly clock: Clock;
  private readonly refreshes = new SingleFlight<TokenSet>();

  constructor(private readonly options: TokenServiceOptions) {
    this.vendorId = options.vendor.id;
    this.clock = options.clock ?? systemClock;
    this.context = {
      vendor: options.vendor,
      credentials: options.credentials,
      clock: this.clock,
      ...(options.httpTimeoutMs === undefined ? {} : { httpTimeoutMs: options.httpTimeoutMs }),
    };
  }

  /** The URL to send the user to; saves a single-use pending authorization bound to user, vendor and redirect URI. */
  authorizationUrl(parameters: AuthorizationUrlParameters): Promise<AuthorizationRequest> {
    return authorizationUrl(this.context, this.options.pendingAuthorizations, parameters);
  }

  /** Completes the authorization at the callback: checks and consumes `state`, exchanges the code, stores the tokens. */
  async exchangeCode(parameters: ExchangeCodeParameters): Promise<ExchangeCodeResult> {
    const vendor = this.vendorId;
    const now = this.clock();
    const pending = await this.options.pendingAuthorizations.consume(parameters.state);
    if (!pending) {
      const hint = stateExpiryHint(parameters.state);
      if (hint !== undefined && hint <= now) {
        throw new ConnectorError("state_expired", `${vendor}: the authorization took too long; start again`, { vendor });
      }
      throw new ConnectorError("state_invalid", `${vendor}: unknown or already used state`, { vendor });
    }
    if (pending.expiresAt <= now) {
      throw new ConnectorError("state_expired", `${vendor}: the authorization took too long; start again`, { vendor });
    }
    const mismatch =
      pending.vendor !== vendor
        ? "vendor"
        : parameters.redirectUri !== undefined && parameters.redirectUri !== pending.redirectUri
          ? "redirect URI"
          : parameters.userId !== undefined && parameters.userId !== pending.userId
            ? "user"
            : undefined;
    if (mismatch) {
      throw new ConnectorError("state_mismatch", `${vendor}: the state was issued for another ${mismatch}`, {
        vendor,
        details: { mismatch },
      });
    }
    // Before the code is redeemed: a browser that did not start this authorization gets nothing linked.
    if (pending.browserBindingHash !== undefined && !matchesBrowserBinding(parameters.browserBinding, pending.browserBindingHash)) {
      throw browserBindingMismatch(vendor, parameters.browserBinding);
    }

    const result = await authorizationCodeGrantRequest(this.context, {
      code: parameters.code,
      redirectUri: pending.redirectUri,
      ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}),
      requestedScopes: pending.scopes,
    });
    const userId = pending.userId;
    const api = () => this.apiWithToken(userId, result.tokens.accessToken);
    const vendorUserId = await resolveVendorUserId(vendor, oauthOf(this.options.vendor.manifest).userId, {
      tokenResponse: result,
      api,
      lookup: templateLookup(this.options.credentials, { userId }),
    });
    const lookup = templateLookup(this.options.credentials, { userId, vendorUserId });
    for (const call of oauthOf(this.options.vendor.manifest).afterAuthorization ?? []) {
      await performApiCall(api(), call, lookup, vendor);
    }
    const previous = await this.options.tokenStore.get(vendor, userId);
    const record = await this.write(userId, result.tokens, { vendorUserId, status: "active" }, "replace");
    if (previous && previous.vendorUserId !== vendorUserId) await this.revokeReplacedGrant(previous, vendorUserId);
    return { userId, vendorUserId, tokens: result.tokens, connection: stateOf(record, result.tokens) };
  }

  /**
   * The user linked a different vendor account: the previous account's grant is revoked at the vendor (best effort,
   * never thrown) so it does not live on unseen, and the change is logged.
   */
  private async revokeReplacedGrant(previous: StoredConnection, vendorUserId: string): Promise<void> {
    let previousGrant = "not_opened";
    let errorCode: string | undefined;
    try {
      const tokens = await this.open(previous);
      const lookup = templateLookup(this.options.credentials, {
        userId: previous.userId,
        ...(previous.vendorUserId ? { vendorUserId: previous.vendorUserId } : {}),
      });
      const revocation = await revokeAtVendor(this.context, tokens, { lookup, api: () => this.apiWithToken(previous.userId, tokens.accessToken) });
      previousGrant = revocation.outcome;
      if (revocation.outcome === "failed") errorCode = revocation.code;
    } catch (error) {
      errorCode = isConnectorError(error) ? error.code : "decryption_failed";
    }
    try {
      (this.options.securityLogger ?? securityLinesToStderr)({
        kind: "security",
        time: new Date(this.clock()).toISOString(),
        event: "connection_relinked",
        vendor: this.vendorId,
        userHash: hashId(previous.userId),
        ...(previous.vendorUserId ? { previousVendorUserHash: hashId(previous.vendorUserId) } : {}),
        vendorUserHash: hashId(vendorUserId),
        previousGrant,
        ...(errorCode ? { errorCode } : {}),
      });
    } catch {
      // a failing logger must not fail the authorization that already succeeded
    }
  }

  /** The stored tokens, not refreshed. Throws not_connected, or reauthorization_required for a connection marked so. */
  async getUserTokens(userId: string): Promise<TokenSet> {
    const { record, tokens } = await this.read(userId);
    this.assertActive(record);
    return tokens;
  }

  /** Valid tokens for the user, refreshed first when the access token expires within `skewSeconds` (or was refused). */
  async refreshIfNeeded(userId: string, options: RefreshOptions = {}): Promise<TokenSet> {
    const skewSeconds = options.skewSeconds ?? this.options.defaultSkewSeconds ?? 60;
    const { record, tokens } = await this.read(userId);
    this.assertActive(record);
    if (!this.needsRefresh(tokens, record.version, record.version, skewSeconds, options.rejectedAccessToken)) return tokens;
    return this.refreshes.run(userId, () => this.refreshShared(userId, record.version, skewSeconds, options.rejectedAccessToken));
  }

  /** Revokes at the vendor where the manifest says how, then deletes the local record whatever the vendor said. */
  async revokeTokens(userId: string): Promise<RevokeResult> {
    const record = await this.options.tokenStore.get(this.vendorId, userId);
    if (!record) return { revokedAtVendor: false, vendorRevocation: { outcome: "not_connected" }, deleted: false };
    let vendorRevocation: VendorRevocation = { outcome: "failed", code: "decryption_failed", reason: "tokens could not be opened" };
    try {
      const tokens = await this.open(record);
      const lookup = templateLookup(this.options.credentials, { userId, ...(record.vendorUserId ? { vendorUserId: record.vendorUserId } : {}) });
      vendorRevocation = await revokeAtVendor(this.context, tokens, { lookup, api: () => this.apiWithToken(userId, tokens.accessToken) });
    } catch (error) {
      if (!isConnectorError(error, "decryption_failed")) {
        vendorRevocation = { outcome: "failed", code: isConnectorError(error) ? error.code : "vendor_api_error", reason: "revocation failed" };
      }
    }
    // Deleted in every case; a failure of the vendor call is only reported.
    const deleted = await this.options.tokenStore.delete(this.vendorId, userId);
    return {
      revokedAtVendor: vendorRevocation.outcome === "revoked",
      vendorRevocation,
      ...(vendorRevocation.outcome === "failed" ? { vendorError: vendorRevocation.code } : {}),
      deleted,
    };
  }

  /** Whether the user is connected, and whether the connection needs the user to authorize again. */
  async connectionStatus(userId: string): Promise<ConnectionState> {
    const record = await this.options.tokenStore.get(this.vendorId, userId);
    if (!record) return { status: "not_connected" };
    const tokens = await this.open(record).catch(() => undefined);
    return stateOf(record, tokens);
  }

  /** The bearer token source the vendor API client uses for this user. */
  bearerTokenSource(userId: string): BearerTokenSource {
    return {
      current: async () => (await this.refreshIfNeeded(userId)).accessToken,
      renew: async (rejected) => (await this.refreshIfNeeded(userId, { rejectedAccessToken: rejected })).accessToken,
    };
  }

  /** A ky instance for the vendor's API on behalf of the user (see createVendorApiClient). */
  api(userId: string): KyInstance {
    return this.apiWith(userId, this.bearerTokenSource(userId));
  }

  private apiWithToken(userId: string, accessToken: string): KyInstance {
    return this.apiWith(userId, { current: async () => accessToken });
  }

  private apiWith(userId: string, tokens: BearerTokenSource): KyInstance {
    return createVendorApiClient({
      clock: this.clock,
      ...this.options.api,
      vendor: this.options.vendor,
      credentials: this.options.credentials,
      rateLimiter: this.options.rateLimiter,
      userId,
      tokens,
    });
  }

  private needsRefresh(tokens: TokenSet, version: number, startVersion: number, skewSeconds: number, rejected: string | undefined): boolean {
    if (rejected !== undefined) return tokens.accessToken === rejected;
    // Written since the caller looked: someone refreshed. Take it unless it is already expired (no second refresh
    // just because a vendor's token lifetime is shorter than the skew).
    return expiresWithin(tokens, this.clock(), version === startVersion ? skewSeconds : 0);
  }

  private async refreshShared(userId: string, startVersion: number, skewSeconds: number, rejected: string | undefined): Promise<TokenSet> {
    const leaseKey = `oauth-refresh:${this.vendorId}:${userId}`;
    const deadline = this.clock() + (this.options.refreshWaitMs ?? 30_000);
    for (let round = 0; ; round++) {
      const current = await this.read(userId);
      this.assertActive(current.record);
      if (!this.needsRefresh(current.tokens, current.record.version, startVersion, skewSeconds, rejected)) return current.tokens;
      const lease = await this.options.leases.tryAcquire(leaseKey, this.options.refreshLeaseTtlMs ?? 30_000);
      if (!lease) {
        if (this.clock() > deadline) {
          throw new ConnectorError("backend_unavailable", `${this.vendorId}: another worker's token refresh did not finish in time`, {
            vendor: this.vendorId,
          });
        }
        await sleep(Math.min(200, 10 + round * 10) + Math.random() * 20);
        continue;
      }
      try {
        const fresh = await this.read(userId);
        this.assertActive(fresh.record);
        if (!this.needsRefresh(fresh.tokens, fresh.record.version, startVersion, skewSeconds, rejected)) return fresh.tokens;
        return await this.refreshUnderLease(userId, fresh);
      } finally {
        await this.options.leases.release(lease).catch(() => undefined);
      }
    }
  }

  private async refreshUnderLease(userId: string, current: OpenConnection): Promise<TokenSet> {
    let tokens: TokenSet;
    try {
      tokens = (await refreshTokenGrantRequest(this.context, current.tokens)).tokens;
    } catch (error) {
      if (!isConnectorError(error, "invalid_grant") && !isConnectorError(error, "reauthorization_required")) throw error;
      // Not a revocation when another worker has already rotated the token we used.
      const latest = await this.read(userId);
      if (latest.record.version !== current.record.version) {
        this.assertActive(latest.record);
        return latest.tokens;
      }
      try {
        await this.options.tokenStore.put(
          { ...withoutVersion(latest.record), status: "reauthorization_required", updatedAt: this.clock() },
          latest.record.version,
        );
      } catch (conflict) {
        if (!isConnectorError(conflict, "version_conflict")) throw conflict;
        const again = await this.read(userId);
        this.assertActive(again.record);
        return again.tokens;
      }
      throw new ConnectorError("reauthorization_required", `${this.vendorId}: the vendor refused the refresh; the user must authorize again`, {
        vendor: this.vendorId,
        cause: error,
      });
    }
    try {
      await this.write(userId, tokens, { vendorUserId: current.record.vendorUserId, status: "active" }, current.record.version);
      return tokens;
    } catch (error) {
      if (!isConnectorError(error, "version_conflict")) throw error;
      // Someone wrote while we refreshed (our lease lapsed). A worker that presented the refresh token we had just
      // spent got invalid_grant and marked the connection for re-authorization; our tokens are the vendor's newest
      // and prove it is healthy, so they win. Otherwise the store decides and we take what it holds.
      const latest = await this.read(userId);
      if (latest.record.status === "reauthorization_required") {
        await this.write(userId, tokens, { vendorUserId: latest.record.vendorUserId, status: "active" }, latest.record.version);
        return tokens;
      }
      this.assertActive(latest.record);
      return latest.tokens;
    }
  }

  private async read(userId: string): Promise<OpenConnection> {
    const record = await this.options.tokenStore.get(this.vendorId, userId);
    if (!record) {
      throw new ConnectorError("not_connected", `${this.vendorId}: the user has not connected this vendor`, { vendor: this.vendorId });
    }
    return { record, tokens: await this.open(record) };
  }

  private async open(record: StoredConnection): Promise<TokenSet> {
    const plaintext = await this.options.encryptor.open(record.sealedTokens, { vendor: record.vendor, userId: record.userId });
    return decodeTokenSet(plaintext);
  }

  private assertActive(record: StoredConnection): void {
    if (record.status === "reauthorization_required") {
      throw new ConnectorError("reauthorization_required", `${this.vendorId}: the user must authorize again`, { vendor: this.vendorId });
    }
  }

  /** Seals and stores. `expected`: a version for compare-and-set, or "replace" to overwrite whatever is there (new authorization). */
  private async write(
    userId: string,
    tokens: TokenSet,
    meta: { vendorUserId: string | undefined; status: StoredConnection["status"] },
    expected: number | "replace",
  ): Promise<StoredConnection> {
    const sealedTokens = await this.options.encryptor.seal(encodeTokenSet(tokens), { vendor: this.vendorId, userId });
    const connection: Omit<StoredConnection, "version"> = {
      vendor: this.vendorId,
      userId,
      status: meta.status,
      sealedTokens,
      updatedAt: this.clock(),
      ...(meta.vendorUserId ? { vendorUserId: meta.vendorUserId } : {}),
      ...(tokens.expiresAt === undefined ? {} : { accessTokenExpiresAt: tokens.expiresAt }),
    };
    if (expected !== "replace") return this.options.tokenStore.put(connection, expected);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.options.tokenStore.get(this.vendorId, userId);
      try {
        return await this.options.tokenStore.put(connection, existing?.version ?? null);
      } catch (error) {
        if (!isConnectorError(error, "version_conflict") || attempt >= 5) throw error;
      }
    }
  }
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  return new TokenService(options);
}

function withoutVersion(record: StoredConnection): Omit<StoredConnection, "version"> {
  const { version: _version, ...rest } = record;
  return rest;
}

function stateOf(record: StoredConnection, tokens: TokenSet | undefined): ConnectionState {
  return {
    status: record.status,
    ...(record.vendorUserId ? { vendorUserId: record.vendorUserId } : {}),
    ...(record.accessTokenExpiresAt === undefined ? {} : { accessTokenExpiresAt: record.accessTokenExpiresAt }),
    ...(tokens ? { scopes: tokens.scopes } : {}),
    updatedAt: record.updatedAt,
  };
}
