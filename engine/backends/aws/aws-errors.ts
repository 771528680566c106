import { ConnectorError } from "../../errors.js";

export type AwsService = "DynamoDB" | "SQS" | "KMS";

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * The root cause of an AWS failure, as plain data: the error type, a redacted message, the network error code, the
 * HTTP status and the request id. The SDK error itself is never kept: it can carry the response, and its message can
 * echo request values (keys, attribute values).
 */
export class AwsFailure extends Error {
  readonly errorName: string;
  readonly errorCode: string | undefined;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;

  constructor(fields: { errorName: string; message: string; errorCode?: string; httpStatusCode?: number; requestId?: string }) {
    super(fields.message);
    this.name = "AwsFailure";
    this.errorName = fields.errorName;
    this.errorCode = fields.errorCode;
    this.httpStatusCode = fields.httpStatusCode;
    this.requestId = fields.requestId;
  }
}

/**
 * An SDK or network message with what may be a request value taken out: quoted strings, and long runs of key-like
 * characters (access key ids, tokens, base64). Names, codes, addresses and ARNs stay readable.
 */
export function redactAwsMessage(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "[redacted]")
    .replace(/[A-Za-z0-9+/=_]{20,}/g, "[redacted]")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

const throttlingNames = new Set([
  "ThrottlingException",
  "Throttling",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "LimitExceededException",
  "KMSInternalException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** The AWS error name (exception type) of an SDK error, or undefined for anything else. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const name = (error as AwsErrorShape).name;
  return typeof name === "string" ? name : undefined;
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  const name = awsErrorName(error);
  return name !== undefined && names.includes(name);
}

/** Throttling, 5xx and network failures: worth retrying later. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const shape = error as AwsErrorShape;
  const root = rootNetworkError(shape);
  if (root !== shape && isTransientAwsError(root)) return true;
  if (shape.$retryable) return true;
  if (shape.name && throttlingNames.has(shape.name)) return true;
  if (shape.name === "TimeoutError" || shape.name === "AbortError") return true;
  if (shape.code && networkCodes.has(shape.code)) return true;
  const status = shape.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Turns an SDK failure into ConnectorError("backend_unavailable") that keeps its root cause: the AWS error type, the
 * network error code, a redacted message (see redactAwsMessage), the HTTP status and the request id, in the message,
 * in `details` and as an AwsFailure `cause`. The SDK error itself is not carried along.
 */
export function backendUnavailable(service: AwsService, operation: string, error: unknown): ConnectorError {
  const shape = (typeof error === "object" && error !== null ? error : {}) as AwsErrorShape;
  const root = rootNetworkError(shape);
  const errorName = shape.name ?? "UnknownError";
  const errorCode = typeof root.code === "string" ? root.code : undefined;
  const message = redactAwsMessage(typeof root.message === "string" && root.message ? root.message : typeof shape.message === "string" ? shape.message : "");
  const httpStatusCode = shape.$metadata?.httpStatusCode;
  const requestId = shape.$metadata?.requestId;
  const retryable = isTransientAwsError(error) || (errorCode !== undefined && networkCodes.has(errorCode));
  const said = [errorCode && !message.includes(errorCode) ? errorCode : "", message, httpStatusCode !== undefined ? `HTTP ${httpStatusCode}` : "", requestId ? `request id ${requestId}` : ""]
    .filter(Boolean)
    .join("; ");
  return new ConnectorError(
    "backend_unavailable",
    `${service} ${operation} failed: ${errorName}${said ? ` (${said})` : ""}${retryable ? " [transient]" : ""}${hint(errorName, message)}`,
    {
      details: {
        service,
        operation,
        errorName,
        retryable,
        ...(errorCode ? { errorCode } : {}),
        ...(message ? { awsMessage: message } : {}),
        ...(httpStatusCode !== undefined ? { httpStatusCode } : {}),
        ...(requestId ? { requestId } : {}),
      },
      cause: new AwsFailure({
        errorName,
        message,
        ...(errorCode ? { errorCode } : {}),
        ...(httpStatusCode !== undefined ? { httpStatusCode } : {}),
        ...(requestId ? { requestId } : {}),
      }),
    },
  );
}

/** Node reports a refused connection to a host with two addresses as an AggregateError: its first error says more. */
function rootNetworkError(shape: AwsErrorShape): AwsErrorShape {
  if (shape.code === undefined && Array.isArray(shape.errors) && typeof shape.errors[0] === "object" && shape.errors[0] !== null) {
    return shape.errors[0] as AwsErrorShape;
  }
  return shape;
}

/** What to check for the failures a first setup runs into. */
function hint(errorName: string, message: string): string {
  if (/region is missing/i.test(message)) return "; set AWS_REGION";
  if (errorName === "CredentialsProviderError" || /could not load credentials/i.test(message)) return "; set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)";
  if (errorName === "ResourceNotFoundException") return "; does the table exist? (synheart-connector init-aws)";
  if (errorName === "QueueDoesNotExist" || errorName === "AWS.SimpleQueueService.NonExistentQueue") return "; does the queue exist? (synheart-connector init-aws)";
  return "";
}

/** Runs one AWS call; any failure that the caller did not handle becomes a ConnectorError. */
export async function awsCall<T>(service: AwsService, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw backendUnavailable(service, operation, error);
  }
}
