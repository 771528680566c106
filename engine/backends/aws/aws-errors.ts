import { ConnectorError } from "../../errors.js";

export type AwsService = "DynamoDB" | "SQS" | "KMS";

interface AwsErrorShape {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
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
  if (shape.$retryable) return true;
  if (shape.name && throttlingNames.has(shape.name)) return true;
  if (shape.name === "TimeoutError" || shape.name === "AbortError") return true;
  if (shape.code && networkCodes.has(shape.code)) return true;
  const status = shape.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Turns an SDK failure into ConnectorError("backend_unavailable"). The message names the service, operation and AWS
 * error type only: SDK messages can echo request values (keys, attribute values), so neither they nor the original
 * error are carried along. The request id is kept for support cases.
 */
export function backendUnavailable(service: AwsService, operation: string, error: unknown): ConnectorError {
  const shape = (typeof error === "object" && error !== null ? error : {}) as AwsErrorShape;
  const errorName = shape.name ?? "UnknownError";
  const retryable = isTransientAwsError(error);
  return new ConnectorError(
    "backend_unavailable",
    `${service} ${operation} failed: ${errorName}${retryable ? " (transient)" : ""}`,
    {
      details: {
        service,
        operation,
        errorName,
        retryable,
        ...(shape.$metadata?.httpStatusCode !== undefined ? { httpStatusCode: shape.$metadata.httpStatusCode } : {}),
        ...(shape.$metadata?.requestId ? { requestId: shape.$metadata.requestId } : {}),
      },
    },
  );
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
