import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { QueueAttributeName, SQSClient } from "@aws-sdk/client-sqs";
import { ConnectorError } from "../../errors.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { ensureTable, type EnsureTableResult } from "./ensure-table.js";
import { checkResourceNames } from "./resource-names.js";
import { loadKmsSdk, loadSqsSdk } from "./sdk.js";

export interface InitAwsOptions {
  readonly tableName: string;
  /** Creates the job queue (a name ending in `.fifo` makes FIFO queues) with a redrive policy to `dlqName`. */
  readonly queueName?: string;
  /** Defaults to `<queueName>-dlq` (`<name>-dlq.fifo` for FIFO). */
  readonly dlqName?: string;
  /** Deliveries before SQS moves a job to the dead-letter queue. Default 5. */
  readonly maxReceives?: number;
  /** Default visibility timeout of the job queue, in seconds. Default 60. */
  readonly visibilityTimeoutSeconds?: number;
  /** Creates a symmetric KMS key under this alias unless the alias exists. */
  readonly kmsKeyAlias?: string;
  readonly clients: { readonly dynamodb: DynamoDBClient; readonly sqs?: SQSClient; readonly kms?: KMSClient };
}

export interface InitAwsResult {
  readonly table: EnsureTableResult;
  readonly queueUrl?: string;
  readonly deadLetterQueueUrl?: string;
  readonly kmsKeyArn?: string;
  readonly kmsKeyAlias?: string;
}

const fourteenDaysSeconds = 14 * 24 * 60 * 60;

/** What `synheart-connector init-aws` does. Idempotent: running it again changes nothing that is already right. */
export async function initAws(options: InitAwsOptions): Promise<InitAwsResult> {
  checkResourceNames(options);
  const table = await ensureTable({ client: options.clients.dynamodb, tableName: options.tableName });
  let result: InitAwsResult = { table };
  if (options.queueName) {
    if (!options.clients.sqs) throw new TypeError("initAws: queueName needs clients.sqs");
    result = { ...result, ...(await ensureQueues(options.clients.sqs, options)) };
  }
  if (options.kmsKeyAlias) {
    if (!options.clients.kms) throw new TypeError("initAws: kmsKeyAlias needs clients.kms");
    const alias = options.kmsKeyAlias.startsWith("alias/") ? options.kmsKeyAlias : `alias/${options.kmsKeyAlias}`;
    result = { ...result, kmsKeyAlias: alias, kmsKeyArn: await ensureKmsKey(options.clients.kms, alias) };
  }
  return result;
}

async function ensureQueues(
  client: SQSClient,
  options: InitAwsOptions,
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const queueName = options.queueName as string;
  const fifo = queueName.endsWith(".fifo");
  const dlqName = options.dlqName ?? (fifo ? `${queueName.slice(0, -".fifo".length)}-dlq.fifo` : `${queueName}-dlq`);
  if (fifo !== dlqName.endsWith(".fifo")) {
    throw new TypeError("initAws: a FIFO queue needs a FIFO dead-letter queue (and a standard one a standard one)");
  }
  const fifoAttributes: Partial<Record<QueueAttributeName, string>> = fifo ? { FifoQueue: "true" } : {};
  const deadLetterQueueUrl = await ensureQueue(client, dlqName, {
    ...fifoAttributes,
    MessageRetentionPeriod: String(fourteenDaysSeconds),
  });
  const deadLetterArn = await queueArn(client, deadLetterQueueUrl);
  const queueUrl = await ensureQueue(client, queueName, {
    ...fifoAttributes,
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 60),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterArn,
      maxReceiveCount: String(options.maxReceives ?? 5),
    }),
  });
  return { queueUrl, deadLetterQueueUrl };
}

async function ensureQueue(
  client: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<string> {
  const { CreateQueueCommand, GetQueueUrlCommand, SetQueueAttributesCommand } = await loadSqsSdk();
  try {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (created.QueueUrl) return created.QueueUrl;
  } catch (error) {
    if (!isAwsError(error, "QueueNameExists", "QueueAlreadyExists"))
      throw backendUnavailable("SQS", "CreateQueue", error);
  }
  // It exists with other attributes: bring them in line (FifoQueue cannot change, and a mismatch fails above).
  const { QueueUrl } = await awsCall("SQS", "GetQueueUrl", () =>
    client.send(new GetQueueUrlCommand({ QueueName: name })),
  );
  if (!QueueUrl) throw new ConnectorError("backend_unavailable", `SQS queue ${name} has no URL`);
  const { FifoQueue: _unchangeable, ...changeable } = attributes;
  await awsCall("SQS", "SetQueueAttributes", () =>
    client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: changeable })),
  );
  return QueueUrl;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { GetQueueAttributesCommand } = await loadSqsSdk();
  const output = await awsCall("SQS", "GetQueueAttributes", () =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] })),
  );
  const arn = output.Attributes?.QueueArn;
  if (!arn) throw new ConnectorError("backend_unavailable", `SQS queue ${queueUrl} has no ARN`);
  return arn;
}

async function ensureKmsKey(client: KMSClient, alias: string): Promise<string> {
  const { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } = await loadKmsSdk();
  try {
    const existing = await client.send(new DescribeKeyCommand({ KeyId: alias }));
    if (existing.KeyMetadata?.Arn) return existing.KeyMetadata.Arn;
  } catch (error) {
    if (!isAwsError(error, "NotFoundException")) throw backendUnavailable("KMS", "DescribeKey", error);
  }
  const created = await awsCall("KMS", "CreateKey", () =>
    client.send(
      new CreateKeyCommand({
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyUsage: "ENCRYPT_DECRYPT",
        Description: "Synheart Cloud Connector: envelope encryption of stored vendor tokens",
      }),
    ),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new ConnectorError("backend_unavailable", "KMS CreateKey returned no key");
  try {
    await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
  } catch (error) {
    // Lost a race with another init: use the winner's key (ours stays unused; schedule its deletion by hand).
    if (!isAwsError(error, "AlreadyExistsException")) throw backendUnavailable("KMS", "CreateAlias", error);
    const winner = await awsCall("KMS", "DescribeKey", () => client.send(new DescribeKeyCommand({ KeyId: alias })));
    if (winner.KeyMetadata?.Arn) return winner.KeyMetadata.Arn;
  }
  return arn;
}
