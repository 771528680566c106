/** The tokens of one connection, as the engine keeps them (sealed) in the token store. */
export interface TokenSet {
  readonly accessToken: string;
  /** As the vendor said it (`bearer`, `Bearer`); requests always send `Bearer`. */
  readonly tokenType: string;
  readonly refreshToken?: string;
  /** Epoch ms; absent when the vendor gave no `expires_in`. */
  readonly expiresAt?: number;
  /** What the user granted: the response's `scope`, or the requested scopes when the vendor did not say (RFC 6749 5.1). */
  readonly scopes: readonly string[];
  readonly idToken?: string;
  /** Every other field of the token response (e.g. `x_user_id`, `refresh_token_expires_in`). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Epoch ms when these tokens were issued to us. */
  readonly obtainedAt: number;
}

const TOKEN_FIELDS = new Set(["access_token", "refresh_token", "id_token", "token_type", "expires_in", "scope"]);

export interface TokenSetParseOptions {
  readonly now: number;
  /** Scopes asked for (code exchange) or previously granted (refresh). */
  readonly requestedScopes: readonly string[];
  readonly scopeSeparator?: string;
  /** On refresh: the tokens being replaced. A response without refresh_token keeps the old one. */
  readonly previous?: TokenSet;
}

/** Parses `expires_in` given as a number or a numeric string (both seen in the wild). */
export function parseExpiresIn(value: unknown): number | undefined {
  const seconds = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export function splitScope(scope: string, separator = " "): string[] {
  const separators = new Set([separator, " "]);
  let parts = [scope];
  for (const sep of separators) parts = parts.flatMap((part) => part.split(sep));
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** Turns the token object of a successful token response into a TokenSet. Undefined when it has no access token. */
export function tokenSetFromResponse(token: Readonly<Record<string, unknown>>, options: TokenSetParseOptions): TokenSet | undefined {
  const accessToken = token.access_token;
  if (typeof accessToken !== "string" || accessToken === "") return undefined;
  const expiresIn = parseExpiresIn(token.expires_in);
  const refreshToken =
    typeof token.refresh_token === "string" && token.refresh_token !== "" ? token.refresh_token : options.previous?.refreshToken;
  const scopes =
    typeof token.scope === "string"
      ? splitScope(token.scope, options.scopeSeparator)
      : Array.isArray(token.scope)
        ? token.scope.filter((item): item is string => typeof item === "string")
        : [...(options.previous?.scopes ?? options.requestedScopes)];
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(token)) if (!TOKEN_FIELDS.has(name)) raw[name] = value;
  const idToken = typeof token.id_token === "string" ? token.id_token : undefined;
  return {
    accessToken,
    tokenType: typeof token.token_type === "string" ? token.token_type : "Bearer",
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresIn === undefined ? {} : { expiresAt: options.now + expiresIn * 1000 }),
    scopes,
    ...(idToken ? { idToken } : {}),
    raw,
    obtainedAt: options.now,
  };
}

/** True when the access token expires within `skewSeconds` (never for a token without a known expiry). */
export function expiresWithin(tokens: Pick<TokenSet, "expiresAt">, now: number, skewSeconds: number): boolean {
  return tokens.expiresAt !== undefined && now + skewSeconds * 1000 >= tokens.expiresAt;
}

/** What is sealed into the token store. Versioned so the format can change. */
interface SealedPayloadV1 {
  readonly v: 1;
  readonly tokens: TokenSet;
}

export function encodeTokenSet(tokens: TokenSet): Uint8Array {
  const payload: SealedPayloadV1 = { v: 1, tokens };
  return new TextEncoder().encode(JSON.stringify(payload));
}

export function decodeTokenSet(bytes: Uint8Array): TokenSet {
  const payload = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SealedPayloadV1>;
  if (payload.v !== 1 || !payload.tokens || typeof payload.tokens.accessToken !== "string") {
    throw new TypeError("unrecognised token record format");
  }
  return payload.tokens;
}
