import { checkResourceNames } from "../../backends/aws/resource-names.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";

export const initAwsCommandSpec: CliCommand = {
  summary: "create the AWS resources (table, job queue with its dead-letter queue, KMS key); idempotent",
  usage: "",
  options: {
    table: { type: "string", value: "<name>", description: "DynamoDB table (required, or SYNHEART_DYNAMODB_TABLE): 3-255 of A-Z a-z 0-9 _ - ." },
    queue: { type: "string", value: "<name>", description: "SQS job queue: 1-80 of A-Z a-z 0-9 _ -; a name ending in .fifo makes FIFO queues" },
    dlq: { type: "string", value: "<name>", description: "its dead-letter queue (default <queue>-dlq)" },
    "max-receives": { type: "string", value: "<n>", description: "deliveries before a job is dead-lettered (default 5)" },
    "visibility-timeout": { type: "string", value: "<seconds>", description: "the job queue's visibility timeout (default 60)" },
    "kms-alias": { type: "string", value: "<alias>", description: "KMS key alias to create or reuse, e.g. synheart-tokens (A-Z a-z 0-9 / _ -)" },
  },
  details: "Region, credentials and endpoints come from the AWS SDK's configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL).",
  run: (io, args) => initAwsCommand(io, args),
};

/**
 * `init-aws --table <name> [--queue <name>] [--max-receives <n>] [--kms-alias <alias>]`: creates what the AWS backends
 * need (table with TTL and its index, job queue with a dead-letter queue, KMS key), idempotently. Region, credentials
 * and endpoints come from the AWS SDK's usual configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...).
 */
export async function initAwsCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values: parsed } = parseCommandArgs(initAwsCommandSpec, args);
  const text = (name: string) => (typeof parsed[name] === "string" ? (parsed[name] as string) : undefined);
  const values = { queue: text("queue"), dlq: text("dlq"), "kms-alias": text("kms-alias") };
  const tableName = text("table") ?? io.env.SYNHEART_DYNAMODB_TABLE;
  if (!tableName) throw new UsageError("--table <name> is required (or set SYNHEART_DYNAMODB_TABLE)");
  const maxReceives = optionalInteger(text("max-receives"), "--max-receives");
  const visibilityTimeoutSeconds = optionalInteger(text("visibility-timeout"), "--visibility-timeout");
  // Before any AWS call: a bad name is one clear message listing every problem, not a ValidationException.
  checkResourceNames({
    tableName,
    ...(values.queue ? { queueName: values.queue } : {}),
    ...(values.dlq ? { dlqName: values.dlq } : {}),
    ...(values["kms-alias"] ? { kmsKeyAlias: values["kms-alias"] } : {}),
  });

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
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${name} takes a whole number`);
  return Number(value);
}
