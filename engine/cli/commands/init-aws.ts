import { parseArgs } from "node:util";
import { UsageError, type CliIo } from "../io.js";

/**
 * `init-aws --table <name> [--queue <name>] [--max-receives <n>] [--kms-alias <alias>]`: creates what the AWS backends
 * need (table with TTL and its index, job queue with a dead-letter queue, KMS key), idempotently. Region, credentials
 * and endpoints come from the AWS SDK's usual configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...).
 */
export async function initAwsCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      table: { type: "string" },
      queue: { type: "string" },
      "dlq": { type: "string" },
      "max-receives": { type: "string" },
      "visibility-timeout": { type: "string" },
      "kms-alias": { type: "string" },
    },
  });
  const tableName = values.table ?? io.env.SYNHEART_DYNAMODB_TABLE;
  if (!tableName) throw new UsageError("--table <name> is required (or set SYNHEART_DYNAMODB_TABLE)");
  const maxReceives = optionalInteger(values["max-receives"], "--max-receives");
  const visibilityTimeoutSeconds = optionalInteger(values["visibility-timeout"], "--visibility-timeout");

  const [{ initAws }, { DynamoDBClient }, { SQSClient }, { KMSClient }] = await Promise.all([
    import("../../backends/aws/init-aws.js"),
    import("@aws-sdk/client-dynamodb"),
    import("@aws-sdk/client-sqs"),
    import("@aws-sdk/client-kms"),
  ]);
  const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), kms: new KMSClient({}) };
  try {
    const result = await initAws({
      tableName,
      clients,
      ...(values.queue ? { queueName: values.queue } : {}),
      ...(values.dlq ? { dlqName: values.dlq } : {}),
      ...(values["kms-alias"] ? { kmsKeyAlias: values["kms-alias"] } : {}),
      ...(maxReceives !== undefined ? { maxReceives } : {}),
      ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
    });
    io.out(JSON.stringify(result, null, 2));
    io.err("Set for the engine:");
    io.err(`  SYNHEART_DYNAMODB_TABLE=${tableName}`);
    if (result.queueUrl) io.err(`  SYNHEART_SQS_QUEUE_URL=${result.queueUrl}`);
    if (result.kmsKeyAlias) io.err(`  SYNHEART_KMS_KEY_ID=${result.kmsKeyAlias}`);
    return 0;
  } finally {
    clients.dynamodb.destroy();
    clients.sqs.destroy();
    clients.kms.destroy();
  }
}

function optionalInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a whole number`);
  return Number(value);
}
