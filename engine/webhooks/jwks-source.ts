import { ConnectorError } from "../errors.js";
import { jwkSetEntries, type AsymmetricAlgorithm, type PublicKeyEntry } from "./public-keys.js";
import { tinkKeysetEntries } from "./tink-keyset.js";

export interface JwksOptions {
  readonly url: string;
  readonly algorithm: AsymmetricAlgorithm;
  readonly vendor: string;
  /** How long fetched keys are used before they are fetched again. */
  readonly cacheMs: number;
  /** No two fetches closer than this, whatever requests arrive: a flood of unknown key ids costs one fetch a period. */
  readonly minRefreshMs: number;
  readonly fetch?: typeof fetch;
}

/** A JWK Set is a few keys; anything much larger is not one. */
const MAX_JWKS_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * The vendor's public keys from its JWKS URL: fetched on first use, cached for `cacheMs`, and fetched again early
 * (at most once per `minRefreshMs`) when a request names a key id we do not have or no key verifies it: the vendor
 * may have rotated. One fetch at a time. A failed fetch keeps the keys we have; with none, requests are refused
 * (`backend_unavailable`, so the vendor retries later) rather than let through.
 */
export class JwksKeySource {
  private keys: readonly PublicKeyEntry[] | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: JwksOptions) {
    const url = new URL(options.url);
    const local = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
      throw new ConnectorError("missing_setting", "the JWKS URL must use https", { vendor: options.vendor });
    }
  }

  /** The keys to verify with now; fetched when there are none yet or they are older than the cache time. */
  async current(nowMs: number): Promise<readonly PublicKeyEntry[]> {
    if (!this.keys || nowMs - this.fetchedAt >= this.options.cacheMs) await this.refresh(nowMs);
    if (!this.keys) throw new ConnectorError("backend_unavailable", "the vendor's JWKS could not be fetched", { vendor: this.options.vendor });
    return this.keys;
  }

  /** Fetches again if the last attempt is old enough; true when a new set was fetched. */
  async refreshAfterMiss(nowMs: number): Promise<boolean> {
    if (nowMs - this.attemptedAt < this.options.minRefreshMs) return false;
    const before = this.keys;
    await this.refresh(nowMs);
    return this.keys !== before;
  }

  private refresh(nowMs: number): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (nowMs - this.attemptedAt < this.options.minRefreshMs && this.keys) return Promise.resolve();
    this.attemptedAt = nowMs;
    this.inFlight = this.load()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = nowMs;
      })
      .catch(() => undefined) // the keys we have stay; none means refused above
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async load(): Promise<readonly PublicKeyEntry[]> {
    const fetchFn = this.options.fetch ?? fetch;
    const response = await fetchFn(this.options.url, {
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const text = await readCapped(response, MAX_JWKS_BYTES);
    const parsed = JSON.parse(text) as { keys?: unknown; key?: unknown };
    let keys: PublicKeyEntry[];
    if (Array.isArray(parsed.keys)) keys = jwkSetEntries(parsed.keys, this.options.algorithm);
    else if (Array.isArray(parsed.key) && this.options.algorithm === "ecdsa-p256-sha256") keys = tinkKeysetEntries(parsed);
    else throw new Error("neither a JWK Set nor a Tink keyset");
    if (keys.length === 0) throw new Error("no usable key");
    return keys;
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > maxBytes) throw new Error("JWKS too large");
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new Error("JWKS too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
