// Clients and fixtures for tests against the local AWS-protocol server started by global-setup.ts.
import { randomUUID } from "node:crypto";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { ensureTable } from "../../engine/backends/aws/ensure-table.js";

// The SDK warns once per process that its 2027 releases need Node >= 22 (known; see docs/aws.md). Not test news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const testRegion = "us-east-1";
/** Dummy credentials: moto accepts any. */
export const testCredentials = { accessKeyId: "testing", secretAccessKey: "testing" };

export function awsEndpoint(): string {
  return inject("awsEndpoint");
}

const clientConfig = () => ({ endpoint: awsEndpoint(), region: testRegion, credentials: testCredentials });

export const newDynamoDbClient = () => new DynamoDBClient(clientConfig());
export const newSqsClient = () => new SQSClient(clientConfig());
export const newKmsClient = () => new KMSClient(clientConfig());

export function uniqueResourceName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh connector table (the layout `init-aws` creates). */
export async function createTestTable(client: DynamoDBClient): Promise<string> {
  const tableName = uniqueResourceName("synheart-test");
  await ensureTable({ client, tableName, pollIntervalMs: 50 });
  return tableName;
}

export async function createKmsKey(client: KMSClient): Promise<string> {
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new Error("CreateKey returned no ARN");
  return arn;
}

/** Counts the commands sent through a client, by name (e.g. "DecryptCommand"), once per call whatever the retries. */
export interface CallCounter {
  readonly counts: Map<string, number>;
  count(commandName: string): number;
  total(): number;
  reset(): void;
}

interface MiddlewareClient {
  middlewareStack: {
    add(middleware: unknown, options: { step: "initialize"; name: string }): void;
  };
}

export function countCalls(client: unknown): CallCounter {
  const counts = new Map<string, number>();
  (client as MiddlewareClient).middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: `callCounter-${randomUUID()}` },
  );
  return {
    counts,
    count: (commandName) => counts.get(commandName) ?? 0,
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    reset: () => counts.clear(),
  };
}
