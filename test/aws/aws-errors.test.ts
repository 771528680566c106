import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { AwsFailure, backendUnavailable, isTransientAwsError } from "../../engine/backends/aws/aws-errors.js";
import { DynamoDbReplayCache } from "../../engine/backends/aws/dynamodb-replay-cache.js";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import { isConnectorError } from "../../engine/errors.js";
import { testCredentials, testRegion } from "./aws-test-support.js";

const awsError = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, requestId: "req-1" } });

describe("AWS error mapping", () => {
  it("marks throttling, 5xx and network failures as transient, and nothing else", () => {
    expect(isTransientAwsError(awsError("ProvisionedThroughputExceededException", "slow down"))).toBe(true);
    expect(isTransientAwsError(awsError("ThrottlingException", "Rate exceeded"))).toBe(true);
    expect(isTransientAwsError(awsError("InternalServerError", "oops", 500))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransientAwsError(awsError("ValidationException", "bad"))).toBe(false);
    expect(isTransientAwsError(awsError("AccessDeniedException", "no", 403))).toBe(false);
  });

  it("keeps the root cause (type, message, HTTP status, request id) with the values the SDK echoes taken out", () => {
    const error = backendUnavailable(
      "DynamoDB",
      "PutItem",
      Object.assign(awsError("ValidationException", 'One or more parameter values were invalid: "rt-SECRET-9" key AKIAIOSFODNN7EXAMPLE'), {
        $response: { headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE" }, body: "rt-SECRET-9" },
      }),
    );
    expect(error.code).toBe("backend_unavailable");
    expect(error.message).toBe(
      "DynamoDB PutItem failed: ValidationException (One or more parameter values were invalid: [redacted] key [redacted]; HTTP 400; request id req-1)",
    );
    expect(error.details).toEqual({
      service: "DynamoDB",
      operation: "PutItem",
      errorName: "ValidationException",
      retryable: false,
      awsMessage: "One or more parameter values were invalid: [redacted] key [redacted]",
      httpStatusCode: 400,
      requestId: "req-1",
    });
    expect(error.cause).toBeInstanceOf(AwsFailure);
    expect(error.cause).toMatchObject({ errorName: "ValidationException", httpStatusCode: 400, requestId: "req-1" });
    const everything = `${inspect(error, { depth: Infinity })} ${JSON.stringify(error)}`;
    expect(everything).not.toContain("SECRET");
    expect(everything).not.toContain("AKIA");
    expect(everything).not.toContain("authorization");
  });

  it("says what to fix for the failures of a first setup", () => {
    expect(backendUnavailable("DynamoDB", "DescribeTable", new Error("Region is missing")).message).toBe("DynamoDB DescribeTable failed: Error (Region is missing); set AWS_REGION");
    expect(backendUnavailable("DynamoDB", "GetItem", awsError("ResourceNotFoundException", "Requested resource not found")).message).toContain("synheart-connector init-aws");
  });

  it("reports an unreachable DynamoDB as backend_unavailable from every backend", async () => {
    const client = new DynamoDBClient({
      endpoint: "http://127.0.0.1:9",
      region: testRegion,
      credentials: testCredentials,
      maxAttempts: 1,
    });
    const table = { client, tableName: "synheart" };
    const failures = await Promise.all([
      new DynamoDbTokenStore(table).get("whoop", "u1").catch((error: unknown) => error),
      new DynamoDbReplayCache(table).firstSeen("k", 60).catch((error: unknown) => error),
    ]);
    client.destroy();
    for (const failure of failures) {
      expect(isConnectorError(failure, "backend_unavailable")).toBe(true);
      expect((failure as { details?: { retryable?: boolean } }).details?.retryable).toBe(true);
      // The root cause, not "Error (transient)": the refused connection and where to.
      expect((failure as Error).message).toMatch(/ECONNREFUSED 127\.0\.0\.1:9/);
      expect((failure as { details?: { errorCode?: string } }).details?.errorCode).toBe("ECONNREFUSED");
      expect(inspect(failure, { depth: Infinity })).not.toContain("secretAccessKey");
    }
  });
});
