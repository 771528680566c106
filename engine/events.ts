/** The one normalized shape every vendor webhook is mapped to. */
export interface NormalizedEvent {
  /** Stable id of this event (vendor, type, user, resource and the body's digest), used for de-duplication downstream. */
  readonly id: string;
  readonly vendor: string;
  readonly type: string;
  /** The vendor's id for the user (as the vendor sends it in webhooks). */
  readonly userId: string;
  readonly resourceId?: string;
  /** ISO 8601 timestamp of the underlying change, where the vendor says it. */
  readonly occurredAt?: string;
  /** `push`: `data` is the resource; `fetch`: the resource is fetched by the worker as `fetch` describes. */
  readonly delivery: "push" | "fetch";
  readonly fetch?: ResourceFetch;
  readonly data: unknown;
  /**
   * Whether the notification was authenticated: `verified` when the vendor signs it (HMAC, or a shared secret only
   * the vendor holds); `unverified` when the vendor signs nothing and only a trust check passed (a header equal to
   * a public value such as Garmin's client id, or a source address), so anyone could have sent it. Treat the
   * fields of an unverified push event as claims, not facts.
   */
  readonly authenticity: Authenticity;
}

export type Authenticity = "verified" | "unverified";

/** A resolved vendor API request for a ping-style event (all templates already expanded). */
export interface ResourceFetch {
  readonly method: "GET" | "POST";
  /** Absolute URL, checked against the vendor's allowed API hosts at mapping time. */
  readonly url: string;
  /** Vendor statuses meaning "the resource is gone": a normal outcome, not a retry. */
  readonly goneStatuses: readonly number[];
}
