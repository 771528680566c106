/* Generated from schema/vendor-manifest.schema.json by `npm run generate:types`. Do not edit by hand. */

/**
 * Where the vendor's id for the user comes from.
 */
export type VendorUserId =
  | {
      from: "tokenResponse";
      /**
       * JSONata expression over the token object (what oauth.tokenResponse.path selects), then over the whole response when that gives nothing.
       */
      field: string;
    }
  | {
      from: "accessTokenClaims";
      /**
       * Claim of the access token JWT (read, not verified: it came from the token endpoint over TLS).
       */
      claim: string;
    }
  | {
      from: "profile";
      request: ApiCall;
      /**
       * JSONata expression over the profile response.
       */
      field: string;
    };
export type HttpStatus = number;
export type Signature = HmacSignature | AsymmetricSignature | SharedSecretSignature | UnsignedTrust;
/**
 * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
 */
export type Template = string;
export type EventMapping = {
  /**
   * Normalized event type, <resource>.<action> (e.g. sleep.updated).
   */
  type: string;
  /**
   * Discriminator values this mapping takes.
   *
   * @minItems 1
   */
  on?: [string, ...string[]];
  /**
   * JSONata predicate over the item, for vendors with no discriminator field.
   */
  match?: string;
  /**
   * JSONata expression over the item giving {userId, resourceId?, occurredAt?, data?} or an array of them.
   */
  map: string;
  /**
   * push: the payload carries the data; fetch: the worker fetches the resource.
   */
  delivery: "push" | "fetch";
  fetch?: ResourceFetch;
} & {
  /**
   * Normalized event type, <resource>.<action> (e.g. sleep.updated).
   */
  type: string;
  /**
   * Discriminator values this mapping takes.
   *
   * @minItems 1
   */
  on?: [string, ...string[]];
  /**
   * JSONata predicate over the item, for vendors with no discriminator field.
   */
  match?: string;
  /**
   * JSONata expression over the item giving {userId, resourceId?, occurredAt?, data?} or an array of them.
   */
  map: string;
  /**
   * push: the payload carries the data; fetch: the worker fetches the resource.
   */
  delivery: "push" | "fetch";
  fetch?: ResourceFetch;
};
export type Pagination =
  | {
      type: "token";
      /**
       * JSONata over the response body giving the next token.
       */
      next: string;
      /**
       * Query (or form) parameter carrying the token.
       */
      param: string;
    }
  | {
      type: "page";
      param: string;
      startAt?: number;
      size: number;
      sizeParam?: string;
      /**
       * What ends the pages: short (a page with fewer than `size` records) or empty (only a page with no records: Strava may send a short page that is not the last).
       */
      lastPage?: "short" | "empty";
    }
  | {
      type: "offset";
      param: string;
      size: number;
      sizeParam?: string;
    }
  | {
      type: "link";
    };
/**
 * Default: every stream.
 *
 * @minItems 1
 */
export type StreamNames = [string, ...string[]];
/**
 * Default: every stream.
 *
 * @minItems 1
 */
export type StreamNames1 = [string, ...string[]];
/**
 * The subscriptions that should exist, one per item; an item's fields fill {item.<field>}.
 *
 * @minItems 1
 */
export type SubscriptionItems = [
  {
    [k: string]: string;
  },
  ...{
    [k: string]: string;
  }[]
];

/**
 * One cloud wearable vendor: OAuth 2.0, API and rate limits, webhook verification, handshakes, event mappings and pull streams. Credentials never live here: `settings` names them and they come from the environment.
 */
export interface VendorManifest {
  /**
   * Stable vendor id: lower case letters, digits and dashes. Used in URLs, env var names and storage keys.
   */
  id: string;
  displayName: string;
  /**
   * The vendor's developer documentation.
   */
  docs?: string;
  lifecycle?: Lifecycle;
  /**
   * Named per-deployment values the manifest refers to as {settings.<name>}. Read from SYNHEART_<VENDOR>_<NAME> (upper snake case). clientId and clientSecret are implicit.
   */
  settings?: {
    [k: string]: Setting;
  };
  oauth?: OAuth;
  api: Api;
  webhooks?: Webhooks;
  /**
   * JSONata mappings from the data of events (the fetched resource of a fetch event, the pushed data of a push event) and of pull streams to normalized health records (schema/records/). Several mappings may take one event; each gives any number of records.
   */
  records?: RecordMapping[];
  sync?: Sync;
  subscriptions?: Subscriptions;
}
export interface Lifecycle {
  status: "active" | "deprecated" | "retired";
  /**
   * Date (YYYY-MM-DD) from which the status applies.
   */
  effective?: string;
  /**
   * Vendor id or product that replaces this one.
   */
  successor?: string;
  note?: string;
}
export interface Setting {
  description?: string;
  /**
   * Never logged or shown.
   */
  secret?: boolean;
  /**
   * The engine refuses to start the vendor without it.
   */
  required?: boolean;
  /**
   * A comma-separated list: several webhook secrets during rotation, or CIDR blocks.
   */
  list?: boolean;
}
/**
 * Absent for a vendor the engine does not authorize users with (an aggregator with its own credentials).
 */
export interface OAuth {
  authorizeUrl: string;
  tokenUrl: string;
  /**
   * Only where refresh has its own endpoint (COROS).
   */
  refreshUrl?: string;
  scopes?: string[];
  scopeSeparator?: string;
  /**
   * How the client authenticates at the token endpoint (RFC 6749 section 2.3.1).
   */
  clientAuth: "client_secret_basic" | "client_secret_post";
  /**
   * Send an S256 code challenge (RFC 7636).
   */
  pkce: boolean;
  authorizeParams?: StringMap;
  tokenParams?: StringMap1;
  tokenResponse?: TokenResponse;
  /**
   * rotating: every refresh returns a new refresh token and the old one stops working; reusable: it stays valid; none: the vendor issues none (long-lived access tokens).
   */
  refreshToken: "rotating" | "reusable" | "none";
  userId: VendorUserId;
  /**
   * Calls made with the new access token right after code exchange (Polar registers the user).
   */
  afterAuthorization?: ApiCall[];
  revoke?: Revoke;
  pendingAuthorizationTtlSeconds?: number;
}
export interface StringMap {
  [k: string]: string;
}
/**
 * Extra form fields on every token request (Withings: action=requesttoken).
 */
export interface StringMap1 {
  [k: string]: string;
}
/**
 * Where a non-standard token response keeps the tokens.
 */
export interface TokenResponse {
  /**
   * JSONata expression selecting the token object (Withings: body).
   */
  path?: string;
  /**
   * JSONata expression over the whole response that is true on success (Withings: status = 0).
   */
  success?: string;
}
export interface ApiCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * Path under api.baseUrl, a Template.
   */
  path: string;
  query?: StringMap;
  /**
   * JSON body; string values are Templates.
   */
  json?: {};
  /**
   * Statuses that count as success (Polar answers 409 for an already registered user).
   *
   * @minItems 1
   */
  acceptStatus?: [HttpStatus, ...HttpStatus[]];
}
export interface Revoke {
  /**
   * Absolute revoke URL (RFC 7009 endpoint). Use path for an API call instead.
   */
  url?: string;
  /**
   * Path under api.baseUrl (Garmin, Polar, WHOOP de-registration).
   */
  path?: string;
  method: "POST" | "DELETE" | "GET";
  /**
   * rfc7009: form body token=<token> with client authentication; bearer: the access token as Authorization: Bearer; query: the access token as ?access_token=.
   */
  send?: "rfc7009" | "bearer" | "query";
  /**
   * Which token to revoke (rfc7009).
   */
  token?: "access_token" | "refresh_token";
  /**
   * @minItems 1
   */
  acceptStatus?: [HttpStatus, ...HttpStatus[]];
}
export interface Api {
  baseUrl: string;
  /**
   * Hosts a fetch URL taken from a webhook payload may point at. Defaults to the host of baseUrl and of each baseUrlBySetting URL. Anything else is refused (no SSRF through a forged payload).
   */
  allowedHosts?: string[];
  headers?: StringMap2;
  rateLimits?: RateLimits;
  /**
   * The API host chosen by a setting (Dexcom: US, EU and JP hosts). The setting's value must be one of the keys; `baseUrl` is the one used when the setting is not set. Every URL listed here is an allowed API host.
   */
  baseUrlBySetting?: {
    /**
     * Name of a declared setting.
     */
    setting: string;
    urls: {
      [k: string]: string;
    };
  };
}
/**
 * Static headers on every API call; values are Templates (Suunto: {settings.subscriptionKey}).
 */
export interface StringMap2 {
  [k: string]: string;
}
export interface RateLimits {
  /**
   * All enforced together, e.g. 100 per minute and 10,000 per day.
   */
  windows?: {
    limit: number;
    periodSeconds: number;
    /**
     * app: one bucket for the whole client; user: one per connected user.
     */
    per: "app" | "user";
  }[];
  headers?: {
    /**
     * Header with the limit. Several comma-separated values are several windows (Strava: X-RateLimit-Limit: 200,2000), read window by window with usage or remaining.
     */
    limit?: string;
    remaining?: string;
    reset?: string;
    /**
     * How the reset header counts: seconds until reset, or an epoch time.
     */
    resetUnit?: "seconds" | "epoch-seconds" | "epoch-milliseconds";
    retryAfter?: string;
    /**
     * Header with the calls used so far (Strava: X-RateLimit-Usage); remaining is limit minus usage.
     */
    usage?: string;
  };
}
/**
 * Absent for a vendor that pushes nothing (poll-only, e.g. Dexcom): its data comes from `sync` streams.
 */
export interface Webhooks {
  /**
   * How the body is encoded.
   */
  body: "json" | "form";
  maxBodyBytes?: number;
  /**
   * Most events one delivery may produce. A delivery over it is refused with 413 and nothing of it is stored. It is checked while mapping, before the events are built: the split list, the list a map written `field.{ ... }` goes through (lists nested in it counted by their elements), then each mapping's results.
   */
  maxEventsPerDelivery?: number;
  signature: Signature;
  replay?: Replay;
  responses?: Responses;
  handshakes?: Handshake[];
  events: Events;
}
export interface HmacSignature {
  scheme: "hmac";
  algorithm: "sha256" | "sha1" | "sha512";
  /**
   * Template giving the key, e.g. {clientSecret}, {clientSecret}& or {settings.webhookSecret}. A list setting gives several keys (rotation).
   */
  key: string;
  /**
   * Removed from the key before decoding (Standard Webhooks: whsec_).
   */
  keyPrefix?: string;
  keyEncoding?: "utf8" | "base64";
  /**
   * Template of what is signed, over {body}, {timestamp}, {id} and {headers.<name>}.
   */
  signedContent: string;
  header: string;
  encoding: "base64" | "hex" | "hex-upper";
  /**
   * Before each signature value, e.g. sha256= or v1,
   */
  prefix?: string;
  /**
   * Several signatures in one header (key rotation), e.g. a space.
   */
  separator?: string;
  timestamp?: TimestampHeader;
  id?: {
    header: string;
  };
  fields?: SignatureFields;
}
/**
 * Where the signed timestamp is: its own header, or a field of a structured signature header (signature.fields).
 */
export interface TimestampHeader {
  header?: string;
  /**
   * A field of the signature header, e.g. t.
   */
  field?: string;
  unit: "s" | "ms";
  toleranceSeconds: number;
}
/**
 * The signature header holds named fields, e.g. Terra's and Stripe's `t=<timestamp>,v1=<hex>`. Every field named `signature` is a candidate (several during a key rotation); signature.timestamp.field and keyId.field read other fields.
 */
export interface SignatureFields {
  /**
   * Name of the field(s) holding a signature, e.g. v1.
   */
  signature: string;
  /**
   * Between fields.
   */
  separator?: string;
  /**
   * Between a field's name and its value.
   */
  assign?: string;
}
/**
 * A signature made with the vendor's private key and checked with its public key: ECDSA P-256 (Google Health API) or Ed25519 (Standard Webhooks v1a). Keys come from a setting (PEM, JWK, a JWK Set or a base64 raw key) or from a JWKS URL, fetched and cached.
 */
export interface AsymmetricSignature {
  scheme: "asymmetric";
  /**
   * ecdsa-p256-sha256: ECDSA over NIST P-256 with SHA-256; ed25519: EdDSA (RFC 8032).
   */
  algorithm: "ecdsa-p256-sha256" | "ed25519";
  /**
   * Template giving the public key(s): PEM (several blocks allowed), a JWK, a JWK Set ({"keys": [...]}), a Tink JSON keyset, or base64 of the raw key (Ed25519: 32 bytes; P-256: the 65-byte uncompressed point).
   */
  publicKey?: string;
  /**
   * Removed from a raw base64 key before decoding (Standard Webhooks: whpk_).
   */
  keyPrefix?: string;
  /**
   * Public keys from a URL serving a JWK Set, or a Tink JSON keyset (Google Health API). Fetched on first use, cached, fetched again on an unknown key id or a failed verification (no more often than minRefreshSeconds); without usable keys every request is refused.
   */
  jwks?: {
    url: Template;
    cacheSeconds?: number;
    minRefreshSeconds?: number;
  };
  /**
   * Where the id (kid) of the signing key is sent: a header, or a field of the structured signature header. Without it every key is tried.
   */
  keyId?: {
    header?: string;
    field?: string;
  };
  /**
   * ECDSA signatures: DER (ASN.1, the usual), ieee-p1363 (r||s, as JWS does), or tink: Tink's wire format, a 5-byte prefix (0x01 and the signing key's id) before a DER signature, as the Google Health API sends with keys from a Tink keyset.
   */
  signatureFormat?: "der" | "ieee-p1363" | "tink";
  /**
   * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
   */
  signedContent: string;
  header: string;
  encoding: "base64" | "base64url" | "hex";
  /**
   * Before each signature value, e.g. v1a,
   */
  prefix?: string;
  /**
   * Several signatures in one header, e.g. a space.
   */
  separator?: string;
  fields?: SignatureFields;
  timestamp?: TimestampHeader;
  id?: {
    header: string;
  };
}
/**
 * The vendor sends a secret (or bearer value) that we compare in constant time.
 */
export interface SharedSecretSignature {
  scheme: "shared-secret";
  header: string;
  /**
   * e.g. 'Bearer '
   */
  prefix?: string;
  secret: Template;
}
/**
 * The vendor signs nothing. Say how a request is trusted; at least one check is required.
 */
export interface UnsignedTrust {
  scheme: "none";
  trust: {
    /**
     * A header whose value must equal a template (Garmin: garmin-client-id equals {clientId}).
     */
    header?: {
      name: string;
      equals: Template;
    };
    /**
     * The caller's address must fall in one of these CIDR blocks (a Template, usually a list setting).
     */
    sourceIp?: {
      allow: Template;
    };
    /**
     * Body fields that must equal configured values; all must hold.
     *
     * @minItems 1
     */
    bodyFields?: [BodyFieldRule, ...BodyFieldRule[]];
  };
}
/**
 * A field of the parsed body that must equal a configured value (Strava: subscription_id equals {settings.subscriptionId}). Compared in constant time. Not a signature: events are marked authenticity: unverified.
 */
export interface BodyFieldRule {
  /**
   * Dotted path into the body, e.g. subscription_id or meta.app.
   */
  path: string;
  equals: Template;
}
export interface Replay {
  /**
   * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
   */
  key: string;
  ttlSeconds: number;
}
/**
 * Statuses to answer the vendor with.
 */
export interface Responses {
  accepted?: number;
  /**
   * 409, or 2xx where the vendor would retry a 4xx forever.
   */
  replayed?: number;
  /**
   * Fitbit asks for 404.
   */
  invalidSignature?: number;
}
/**
 * A request that is not an event: a subscription check. The first handshake whose method and `when` match answers the request. Without `when` (GET and HEAD only) every request of that method is one, e.g. Withings' HEAD probe of the callback URL.
 */
export interface Handshake {
  name: string;
  method: "GET" | "POST" | "HEAD";
  /**
   * All given conditions must hold for this handshake to apply.
   */
  when?: {
    /**
     * Query parameters that must be present.
     *
     * @minItems 1
     */
    query?: [string, ...string[]];
    header?: {
      name: string;
      equals: string;
    };
    body?: HandshakeBody;
    queryEquals?: StringMap3;
  };
  /**
   * A value from the request compared in constant time with a configured secret. Without it the handshake is unsigned and must not produce events.
   */
  verify?: {
    query?: string;
    header?: string;
    equals: Template;
  };
  respond: HandshakeResponse;
  respondOnMismatch?: HandshakeResponse;
}
/**
 * What the body of a handshake looks like. Matched before the request is authenticated, so it is cheap and capped: a body over maxBytes is not a handshake (and is never parsed here), and matching compares top-level fields with values, never a JSONata evaluation over the sender's input.
 */
export interface HandshakeBody {
  /**
   * Top-level fields of the body (a JSON object, or form fields) that must hold exactly these values (Polar: event: PING).
   */
  equals: {
    [k: string]: string | number | boolean;
  };
  /**
   * Other top-level fields the body may hold, with any value. A body holding a field named neither here nor in equals is not a handshake (it goes through verification).
   */
  optionalFields?: string[];
  /**
   * A larger body is not a handshake.
   */
  maxBytes?: number;
}
/**
 * Query parameters that must have these exact values (Strava: hub.mode: subscribe).
 */
export interface StringMap3 {
  [k: string]: string;
}
export interface HandshakeResponse {
  status: HttpStatus;
  /**
   * JSON body; string values are Templates over {query.<name>}.
   */
  json?: {};
  text?: Template;
}
export interface Events {
  /**
   * JSONata expression turning one body into a list of event items (Fitbit sends an array). Default: the body is one item.
   */
  split?: string;
  /**
   * JSONata expression giving the item's event name(s); mappings are then picked by lookup through `on`, not by evaluating every `match`.
   */
  discriminator?: string;
  /**
   * An item no mapping takes: ignore it (acknowledged, nothing enqueued) or reject the request.
   */
  unmatched?: "ignore" | "reject";
  /**
   * @minItems 1
   */
  mappings: [EventMapping, ...EventMapping[]];
  /**
   * The vendor names the user in a header rather than in the body (an aggregator's user reference): every event's userId is this header's value, and a mapping may leave userId out. A delivery without the header is refused (mapping_failed).
   */
  userHeader?: string;
}
export interface ResourceFetch {
  method: "GET" | "POST";
  /**
   * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
   */
  path?: string;
  /**
   * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
   */
  url?: string;
  query?: StringMap;
  /**
   * Statuses meaning the resource no longer exists: the job ends normally.
   */
  goneStatuses?: HttpStatus[];
}
export interface RecordMapping {
  description?: string;
  /**
   * Event types (webhooks.events.mappings[].type) whose data this mapping takes.
   *
   * @minItems 1
   */
  events?: [string, ...string[]];
  /**
   * Pull streams whose records this mapping takes.
   *
   * @minItems 1
   */
  streams?: [string, ...string[]];
  /**
   * JSONata expression over the data giving one record draft, an array of them, or nothing. A draft is a record of schema/records/ without `id` and `provenance`: it names `type` and `vendorRecordId` and may name `device` and `source`; the engine adds the id and the provenance and validates the record. `$event` is the event (type, userId, resourceId, occurredAt). Helpers: $quantity(value, unit) gives {value, unit} or nothing for a missing value, $convert(value, from, to) with UCUM units, $kjToKcal, $msToS, $decimal(value, exponent), $glucoseMgdl(value, unit), $utc, $offsetOf, $offsetFromSeconds, $offsetFromMinutes, $offsetAt(instant, timeZone), $localToUtc(local, offset), $fromSeconds, $durationSeconds (ISO 8601), $series(start, intervalSeconds, values), $clockSeries(start, samplesByLocalClock), $sport(name).
   */
  map: string;
}
/**
 * Pull streams and their uses: backfill on connect, polling, reconciliation. See docs/sync.md.
 */
export interface Sync {
  /**
   * @minItems 1
   */
  streams: [Stream, ...Stream[]];
  /**
   * On connect, read this many days back (on a reconnect only the gap since the stream's checkpoint).
   */
  backfill?: {
    days: number;
    streams?: StreamNames;
  };
  /**
   * Read from each stream's checkpoint to now on a schedule (vendors without webhooks).
   */
  poll?: {
    everySeconds: number;
    streams?: StreamNames;
  };
  /**
   * Re-read a trailing window on a schedule and deliver only records not delivered before (dropped webhooks).
   */
  reconciliation?: {
    everySeconds: number;
    windowSeconds: number;
    streams?: StreamNames;
  };
  /**
   * Falling back to polling when webhooks go silent. When no webhook of the vendor has reached the worker for `appSeconds` (from any user: the app's subscription or endpoint is broken) or for one user for `userSeconds`, the schedule polls the streams every `pollEverySeconds` from the last webhook on, until a webhook arrives again; entering and leaving the fallback is logged and counted (synheart.sync.webhook_fallback). Needs `webhooks` and at least one of appSeconds and userSeconds. See docs/sync.md.
   */
  webhookSilence?: {
    /**
     * Silence of the whole app (no webhook from any user) that starts polling every connected user.
     */
    appSeconds?: number;
    /**
     * Silence of one user that starts polling that user.
     */
    userSeconds?: number;
    /**
     * How often a silent user's streams are polled.
     */
    pollEverySeconds: number;
    streams?: StreamNames1;
  };
}
export interface Stream {
  /**
   * Stream name: in checkpoints, deliveries (`stream`) and the CLI.
   */
  name: string;
  /**
   * pull: the response holds the records. request: the call asks the vendor to push the window's data later as webhooks (Garmin backfill); each window is asked for once and remembered.
   */
  mode?: "pull" | "request";
  request: StreamRequest;
  /**
   * JSONata over the response body selecting the records (an array, or one record). Required for mode pull.
   */
  records?: string;
  /**
   * JSONata over one record giving its stable id: the de-duplication key, and the resourceId of the webhook events listed in `webhookEvents`.
   */
  recordId?: string;
  /**
   * JSONata over one record giving its time (ISO 8601 or epoch seconds): the incremental cursor, and `occurredAt` of the delivery.
   */
  cursor?: string;
  /**
   * `event.type` of delivered records. Default: the stream name.
   */
  eventType?: string;
  /**
   * Webhook event types carrying this stream's records (resourceId = recordId): a webhook delivery counts as delivered, so reconciliation sends only what the webhooks missed.
   */
  webhookEvents?: string[];
  pagination?: Pagination;
  /**
   * The list has no time filter and returns records newest first by `cursor` (Wahoo's workouts). Records whose cursor lies outside the window are not delivered, and paging stops after the first page holding a record older than the window's start. Needs `cursor`.
   */
  newestFirst?: boolean;
  /**
   * Work is cut into windows of at most this size, one queue job each.
   */
  window: {
    maxSeconds: number;
  };
  /**
   * Incremental reads (poll, reconnect) start this long before the checkpoint, for late-arriving records.
   */
  lookbackSeconds?: number;
  /**
   * Pages read per window at most (a guard against a vendor that never stops paginating).
   */
  maxPages?: number;
}
/**
 * One request per window (and page). Templates may use {window.start}, {window.end}, {userId}, {vendorUserId}, {clientId} and {settings.<name>}.
 */
export interface StreamRequest {
  method: "GET" | "POST";
  path: Template;
  query?: StringMap;
  form?: StringMap4;
  /**
   * How {window.start} and {window.end} are written: iso (2024-05-01T00:00:00.000Z), iso-seconds (…T00:00:00Z), iso-local (…T00:00:00, UTC without a zone: Dexcom), date (2024-05-01), epoch-seconds, epoch-milliseconds.
   */
  timeFormat?: "iso" | "iso-seconds" | "iso-local" | "date" | "epoch-seconds" | "epoch-milliseconds";
  /**
   * Statuses that count as success. Default: any 2xx. For mode request, e.g. [202, 409] (Garmin: 409 = this window was already requested).
   *
   * @minItems 1
   */
  acceptStatus?: [HttpStatus, ...HttpStatus[]];
  /**
   * JSONata over a 2xx body that is true on success (Withings: status = 0). A false one is a vendor error.
   */
  success?: string;
}
/**
 * Form-encoded body (Withings' services take POST forms).
 */
export interface StringMap4 {
  [k: string]: string;
}
/**
 * Webhook subscriptions the vendor needs before it sends anything. See docs/subscriptions.md.
 */
export interface Subscriptions {
  /**
   * App-level subscriptions (Oura), authenticated with app credentials, reconciled by `synheart-connector subscriptions sync` and renewed by the schedule.
   */
  app?: {
    headers: StringMap5;
    items: SubscriptionItems;
    /**
     * A string with {placeholders}: {clientId}, {clientSecret}, {settings.<name>}, {body}, {timestamp}, {id}, {headers.<name>}, {query.<name>}, and in API requests {userId}, {vendorUserId}, {resourceId}, {type}, {data.<path>}.
     */
    key: string;
    list: {
      request: SubscriptionCall;
      /**
       * JSONata over the list response selecting the subscriptions.
       */
      records: string;
      /**
       * JSONata over one subscription giving the same key as `key` gives its item.
       */
      key: string;
      /**
       * JSONata over one subscription giving its id ({subscription.id}).
       */
      id: string;
      /**
       * JSONata over one subscription giving its expiry (ISO 8601 or epoch seconds).
       */
      expiresAt?: string;
    };
    create: SubscriptionCall;
    renew?: {
      request: SubscriptionCall;
      /**
       * Renew when the subscription expires within this long.
       */
      beforeExpirySeconds: number;
    };
    delete?: SubscriptionCall1;
    /**
     * A setting that turns these subscriptions on: without a value for it they are not made (an operator opts in by setting it, e.g. the public webhook URL).
     */
    enabledBy?: string;
  };
  /**
   * Per-user subscriptions (Withings notify), made with the user's token when the user connects and removed before revocation; where the vendor's subscriptions expire, renewed by the schedule before they do (`expiresAt`, `renew`).
   */
  user?: {
    items: SubscriptionItems;
    create: SubscriptionCall;
    delete: SubscriptionCall;
    /**
     * JSONata over the create (or renew) response giving the subscription's id ({subscription.id} in renew and delete). Needs the subscription state the engine keeps per user.
     */
    id?: string;
    /**
     * JSONata over the create (or renew) response giving the subscription's expiry (ISO 8601 or epoch seconds).
     */
    expiresAt?: string;
    /**
     * Renews a subscription expiring within beforeExpirySeconds (one that has expired is created again). Needs expiresAt.
     */
    renew?: {
      request: SubscriptionCall;
      /**
       * Renew when the subscription expires within this long.
       */
      beforeExpirySeconds: number;
    };
    /**
     * A setting that turns these subscriptions on: without a value for it they are not made (an operator opts in by setting it, e.g. the public webhook URL).
     */
    enabledBy?: string;
  };
}
/**
 * App authentication headers (Oura: x-client-id, x-client-secret); Templates.
 */
export interface StringMap5 {
  [k: string]: string;
}
/**
 * A declared API call under api.baseUrl. Templates may use {clientId}, {clientSecret}, {settings.<name>}, {item.<field>}, {subscription.id}, and for per-user calls {userId} and {vendorUserId}.
 */
export interface SubscriptionCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: Template;
  query?: StringMap;
  form?: StringMap6;
  /**
   * JSON body; string values are Templates.
   */
  json?: {};
  /**
   * @minItems 1
   */
  acceptStatus?: [HttpStatus, ...HttpStatus[]];
  /**
   * JSONata over a 2xx body that is true on success (Withings: status = 0).
   */
  success?: string;
}
/**
 * Form-encoded body (Withings notify).
 */
export interface StringMap6 {
  [k: string]: string;
}
/**
 * A declared API call under api.baseUrl. Templates may use {clientId}, {clientSecret}, {settings.<name>}, {item.<field>}, {subscription.id}, and for per-user calls {userId} and {vendorUserId}.
 */
export interface SubscriptionCall1 {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: Template;
  query?: StringMap;
  form?: StringMap6;
  /**
   * JSON body; string values are Templates.
   */
  json?: {};
  /**
   * @minItems 1
   */
  acceptStatus?: [HttpStatus, ...HttpStatus[]];
  /**
   * JSONata over a 2xx body that is true on success (Withings: status = 0).
   */
  success?: string;
}
