/** What `authorizationUrl` remembers until the user comes back to the callback. Single use, short-lived. */
export interface PendingAuthorization {
  readonly state: string;
  readonly vendor: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly codeVerifier?: string;
  /** SHA-256 (base64url) of the nonce the starting browser holds; the nonce itself is never stored. */
  readonly browserBindingHash?: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface PendingAuthorizationStore {
  save(pending: PendingAuthorization): Promise<void>;
  /** Atomically reads and deletes. A second call with the same state returns undefined. Expired records are not returned. */
  consume(state: string): Promise<PendingAuthorization | undefined>;
}
