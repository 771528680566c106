import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Clock } from "../../clock.js";
import { configurationInvalid } from "../../errors.js";
import type { Backends } from "../../ports/backends.js";
import type { Encryptor } from "../../ports/encryptor.js";
import { BatchingRateLimiter } from "./batching-rate-limiter.js";
import type { DataKeyCacheLimits } from "./data-key-cache.js";
import { DynamoDbIngestStore } from "./dynamodb-ingest-store.js";
import { DynamoDbLeaseManager } from "./dynamodb-lease-manager.js";
import { DynamoDbPendingAuthorizationStore } from "./dynamodb-pending-authorization-store.js";
import { DynamoDbRateLimiter } from "./dynamodb-rate-limiter.js";
import { DynamoDbReplayCache } from "./dynamodb-replay-cache.js";
import { DynamoDbSyncStateStore } from "./dynamodb-sync-state-store.js";
import { DynamoDbTokenStore } from "./dynamodb-token-store.js";
import { KmsEnvelopeEncryptor } from "./kms-envelope-encryptor.js";
import { tableNameProblem } from "./resource-names.js";
import { loadDynamoDbSdk, loadKmsSdk, loadSqsSdk } from "./sdk.js";
import { SqsJobQueue } from "./sqs-job-queue.js";

export interface AwsBackendsConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  /** The job queue's dead-letter queue, for `jobs dlq`; default: read from the queue's redrive policy. */
  readonly deadLetterQueueUrl?: string;
  /** KMS key for token envelopes. Alternatively pass `encryptor` (then no KMS client is made). */
  readonly kmsKeyId?: string;
  readonly encryptor?: Encryptor;
  /**
   * Clients to use; missing ones are created with `region` and otherwise the SDK's own configuration
   * (AWS_REGION, the credential chain, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB|SQS|KMS).
   */
  readonly clients?: { readonly dynamodb?: DynamoDBClient; readonly sqs?: SQSClient; readonly kms?: KMSClient };
  readonly region?: string;
  readonly clock?: Clock;
  readonly dataKeyCache?: Partial<DataKeyCacheLimits>;
  /** Above 1, each process takes this many rate-limit tokens per DynamoDB call and hands them out locally. */
  readonly rateLimitBatchSize?: number;
  readonly rateLimitReserveMaxAgeMs?: number;
  /** How long a delivery being stored holds its replay key before a retry may store it again. Default 30 s. */
  readonly ingestClaimSeconds?: number;
}

/** `close()` destroys the clients this factory created (not the ones passed in). */
export type AwsBackends = Backends;

/** Builds every AWS-backed port. The SDK packages are imported here, on first call, not when the engine loads. */
export async function createAwsBackends(config: AwsBackendsConfig): Promise<AwsBackends> {
  checkAwsBackendsConfig(config);
  const region = config.region ? { region: config.region } : {};
  const clock = config.clock ? { clock: config.clock } : {};
  const created: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(client: T): T => {
    created.push(client);
    return client;
  };

  const dynamodb = config.clients?.dynamodb ?? own(new (await loadDynamoDbSdk()).DynamoDBClient(region));
  const sqs = config.clients?.sqs ?? own(new (await loadSqsSdk()).SQSClient(region));
  const table = { client: dynamodb, tableName: config.tableName, ...clock };

  let encryptor = config.encryptor;
  if (!encryptor) {
    const kms = config.clients?.kms ?? lazyKmsClient(region, own);
    encryptor = new KmsEnvelopeEncryptor({
      client: kms,
      keyId: config.kmsKeyId ?? "",
      ...(config.dataKeyCache ? { dataKeyCache: config.dataKeyCache } : {}),
      ...clock,
    });
  }

  const sharedRateLimiter = new DynamoDbRateLimiter(table);
  const rateLimiter =
    config.rateLimitBatchSize && config.rateLimitBatchSize > 1
      ? new BatchingRateLimiter(sharedRateLimiter, {
          batchSize: config.rateLimitBatchSize,
          ...(config.rateLimitReserveMaxAgeMs !== undefined
            ? { maxReserveAgeMs: config.rateLimitReserveMaxAgeMs }
            : {}),
          ...clock,
        })
      : sharedRateLimiter;

  const jobQueue = new SqsJobQueue({
    client: sqs,
    queueUrl: config.queueUrl,
    ...(config.deadLetterQueueUrl ? { deadLetterQueueUrl: config.deadLetterQueueUrl } : {}),
    ...clock,
  });
  return {
    tokenStore: new DynamoDbTokenStore(table),
    pendingAuthorizations: new DynamoDbPendingAuthorizationStore(table),
    replayCache: new DynamoDbReplayCache(table),
    leases: new DynamoDbLeaseManager(table),
    rateLimiter,
    jobQueue,
    ingest: new DynamoDbIngestStore({ ...table, jobQueue, ...(config.ingestClaimSeconds !== undefined ? { claimSeconds: config.ingestClaimSeconds } : {}) }),
    encryptor,
    syncState: new DynamoDbSyncStateStore(table),
    close: async () => {
      for (const client of created) client.destroy();
    },
  };
}

/** Throws ConnectorError("configuration_invalid") listing every problem of the configuration at once. */
export function checkAwsBackendsConfig(config: Partial<AwsBackendsConfig>): void {
  const problems: string[] = [];
  if (typeof config.tableName !== "string" || config.tableName === "") problems.push("tableName is required (SYNHEART_DYNAMODB_TABLE)");
  else {
    const problem = tableNameProblem(config.tableName);
    if (problem) problems.push(problem);
  }
  if (typeof config.queueUrl !== "string" || config.queueUrl === "") problems.push("queueUrl is required (SYNHEART_SQS_QUEUE_URL)");
  else if (!/^https?:\/\//.test(config.queueUrl)) problems.push(`queueUrl must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`);
  if (config.deadLetterQueueUrl !== undefined && !/^https?:\/\//.test(config.deadLetterQueueUrl)) problems.push("deadLetterQueueUrl must be an SQS queue URL");
  if (!config.encryptor && !config.kmsKeyId) problems.push("kmsKeyId is required unless an encryptor is given (SYNHEART_KMS_KEY_ID)");
  if (config.rateLimitBatchSize !== undefined && !(Number.isInteger(config.rateLimitBatchSize) && config.rateLimitBatchSize >= 1)) {
    problems.push("rateLimitBatchSize must be a whole number of at least 1 (SYNHEART_RATE_LIMIT_BATCH)");
  }
  if (problems.length > 0) throw configurationInvalid("the AWS backends are not configured", problems);
}

/**
 * A KMS client made on its first call: the webhook path never seals or opens tokens, so a cold start that only
 * ingests deliveries does not load the KMS SDK.
 */
function lazyKmsClient(region: { region?: string }, own: <T extends { destroy(): void }>(client: T) => T): KMSClient {
  let client: Promise<KMSClient> | undefined;
  const real = () => (client ??= loadKmsSdk().then(({ KMSClient: Client }) => own(new Client(region))));
  return { send: async (command: Parameters<KMSClient["send"]>[0]) => (await real()).send(command) } as unknown as KMSClient;
}

/**
 * Reads the AWS backend settings from the environment: SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL,
 * SYNHEART_KMS_KEY_ID (all required), SYNHEART_SQS_DLQ_URL, SYNHEART_RATE_LIMIT_BATCH and SYNHEART_INGEST_CLAIM_SECONDS.
 * Region, credentials and endpoints stay the SDK's own variables (AWS_REGION, AWS_ENDPOINT_URL, ...).
 * Throws ConnectorError("configuration_invalid") naming every missing or malformed variable at once (never a value).
 */
export function awsBackendsConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AwsBackendsConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name} is not set`);
    return value ?? "";
  };
  const tableName = required("SYNHEART_DYNAMODB_TABLE");
  const queueUrl = required("SYNHEART_SQS_QUEUE_URL");
  const kmsKeyId = required("SYNHEART_KMS_KEY_ID");
  const deadLetterQueueUrl = env.SYNHEART_SQS_DLQ_URL || undefined;
  const batch = env.SYNHEART_RATE_LIMIT_BATCH ? Number(env.SYNHEART_RATE_LIMIT_BATCH) : undefined;
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
    problems.push("SYNHEART_RATE_LIMIT_BATCH must be a whole number of at least 1");
  }
  const claim = env.SYNHEART_INGEST_CLAIM_SECONDS ? Number(env.SYNHEART_INGEST_CLAIM_SECONDS) : undefined;
  if (claim !== undefined && !(Number.isInteger(claim) && claim >= 1)) {
    problems.push("SYNHEART_INGEST_CLAIM_SECONDS must be a whole number of at least 1");
  }
  if (tableName) {
    const problem = tableNameProblem(tableName);
    if (problem) problems.push(`SYNHEART_DYNAMODB_TABLE: ${problem}`);
  }
  if (queueUrl && !/^https?:\/\//.test(queueUrl)) problems.push("SYNHEART_SQS_QUEUE_URL must be a queue URL (https://...)");
  if (deadLetterQueueUrl && !/^https?:\/\//.test(deadLetterQueueUrl)) problems.push("SYNHEART_SQS_DLQ_URL must be a queue URL (https://...)");
  if (problems.length > 0) throw configurationInvalid("the AWS backends are not configured", problems);
  return {
    tableName,
    queueUrl,
    kmsKeyId,
    ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
    ...(batch !== undefined ? { rateLimitBatchSize: batch } : {}),
    ...(claim !== undefined ? { ingestClaimSeconds: claim } : {}),
  };
}
