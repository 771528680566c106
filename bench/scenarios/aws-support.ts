// Clients against the local AWS-protocol server (moto) that bench/run.mjs starts; calls counted by SDK middleware.
import { randomUUID } from "node:crypto";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "../../engine/backends/aws/ensure-table.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export function awsEndpoint(): string {
  const endpoint = process.env.SYNHEART_AWS_ENDPOINT;
  if (!endpoint) throw new Error("SYNHEART_AWS_ENDPOINT is not set (bench/run.mjs starts moto and sets it)");
  return endpoint;
}

const config = () => ({ endpoint: awsEndpoint(), region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
export const newDynamoDbClient = () => new DynamoDBClient(config());
export const newKmsClient = () => new KMSClient(config());

export async function createTable(client: DynamoDBClient): Promise<string> {
  const tableName = `synheart-bench-${randomUUID().slice(0, 8)}`;
  await ensureTable({ client, tableName, pollIntervalMs: 50 });
  return tableName;
}

export async function createKmsKey(client: KMSClient): Promise<string> {
  const created = await client.send(new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" }));
  if (!created.KeyMetadata?.Arn) throw new Error("CreateKey returned no ARN");
  return created.KeyMetadata.Arn;
}

export interface CallCounter {
  total(): number;
  byCommand(): Record<string, number>;
  reset(): void;
}

/** Counts commands sent through a client (once per call, whatever the SDK's retries). */
export function countCalls(client: { middlewareStack: { add(m: unknown, o: { step: "initialize"; name: string }): void } }): CallCounter {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: `benchCallCounter-${randomUUID()}` },
  );
  return {
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    byCommand: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}
