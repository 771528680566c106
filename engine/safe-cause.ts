/**
 * What may travel as the `cause` of a ConnectorError that wraps an HTTP client failure. ky's and fetch's errors hold
 * the request (its headers carry `Authorization: Basic <client secret>` or a bearer token, its body a code or a
 * refresh token) and the options it was made with; `console.error(err)` prints all of it. Only this summary crosses
 * the boundary: the error's name, its message with every URL reduced to origin and path, the system error code and
 * the HTTP status.
 */
export interface SafeCause {
  readonly name: string;
  readonly message: string;
  /** e.g. ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT */
  readonly code?: string;
  readonly status?: number;
}

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const MAX_MESSAGE = 200;

export function safeCause(error: unknown): SafeCause {
  if (!(error instanceof Error)) return { name: "unknown error", message: "" };
  const nested = (error as { cause?: unknown }).cause;
  const code = codeOf(error) ?? codeOf(nested);
  const status = (error as { response?: { status?: unknown } }).response?.status;
  return {
    name: String(error.name).slice(0, 64),
    message: withoutUrlSecrets(String(error.message)).slice(0, MAX_MESSAGE),
    ...(code ? { code } : {}),
    ...(typeof status === "number" ? { status } : {}),
  };
}

/** `name: code`, for a message. */
export function describeCause(error: unknown): string {
  const cause = safeCause(error);
  return cause.code ? `${cause.name}: ${cause.code}` : cause.name;
}

/** Each URL in the text as origin + path: queries and fragments (access_token=, code=) and user info are dropped. */
export function withoutUrlSecrets(text: string): string {
  return text.replace(URL_PATTERN, (match) => {
    try {
      const url = new URL(match);
      return `${url.origin}${url.pathname}`;
    } catch {
      return "<url>";
    }
  });
}

function codeOf(value: unknown): string | undefined {
  const code = value && typeof value === "object" && "code" in value ? (value as { code: unknown }).code : undefined;
  return typeof code === "string" && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : undefined;
}
