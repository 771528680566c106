/**
 * Every failure the engine reports is a ConnectorError with a stable `code`.
 * Messages are written for operators and never include secrets, tokens or signatures.
 */
export type ConnectorErrorCode =
  // manifests
  | "manifest_invalid"
  | "unknown_vendor"
  | "vendor_retired"
  | "missing_setting"
  /** The vendor's manifest does not declare what was asked for (OAuth, webhooks, a stream). */
  | "not_supported"
  // configuration (environment, options): every problem listed at once in `details.problems`
  | "configuration_invalid"
  // webhooks
  | "missing_header"
  | "invalid_signature"
  | "stale_timestamp"
  | "untrusted_source"
  | "replayed"
  | "malformed_body"
  | "body_too_large"
  | "too_many_events"
  | "mapping_failed"
  // records
  | "record_invalid"
  // oauth
  | "state_invalid"
  | "state_expired"
  | "state_mismatch"
  | "token_endpoint_error"
  | "invalid_grant"
  | "not_connected"
  | "reauthorization_required"
  | "browser_binding_mismatch"
  | "connect_link_invalid"
  | "start_not_authorized"
  | "invalid_parameter"
  | "rate_limited"
  | "insecure_url"
  // storage and crypto
  | "version_conflict"
  | "decryption_failed"
  | "backend_unavailable"
  // api and rate limits
  | "rate_limit_timeout"
  | "vendor_api_error"
  | "fetch_not_allowed";

export class ConnectorError extends Error {
  readonly code: ConnectorErrorCode;
  readonly vendor: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ConnectorErrorCode,
    message: string,
    options: { vendor?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConnectorError";
    this.code = code;
    this.vendor = options.vendor;
    this.details = options.details;
  }

  toJSON(): { code: ConnectorErrorCode; message: string; vendor?: string } {
    return { code: this.code, message: this.message, ...(this.vendor ? { vendor: this.vendor } : {}) };
  }
}

export function isConnectorError(value: unknown, code?: ConnectorErrorCode): value is ConnectorError {
  return value instanceof ConnectorError && (code === undefined || value.code === code);
}

/** A configuration error listing every problem at once (message: one per line; `details.problems`: the list). */
export function configurationInvalid(summary: string, problems: readonly string[]): ConnectorError {
  return new ConnectorError("configuration_invalid", `${summary}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`, {
    details: { problems: [...problems] },
  });
}
