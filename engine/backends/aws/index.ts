// AWS backends for every storage port. Importing this module does not load the AWS SDK: each backend imports the
// client package it needs on its first call (see sdk.ts).
export { createAwsBackends, awsBackendsConfigFromEnv, checkAwsBackendsConfig } from "./create-aws-backends.js";
export type { AwsBackends, AwsBackendsConfig } from "./create-aws-backends.js";
export { initAws } from "./init-aws.js";
export type { InitAwsOptions, InitAwsResult } from "./init-aws.js";
export { ensureTable } from "./ensure-table.js";
export type { EnsureTableOptions, EnsureTableResult } from "./ensure-table.js";
export { DynamoDbTokenStore } from "./dynamodb-token-store.js";
export { DynamoDbPendingAuthorizationStore } from "./dynamodb-pending-authorization-store.js";
export { DynamoDbReplayCache } from "./dynamodb-replay-cache.js";
export { DynamoDbIngestStore } from "./dynamodb-ingest-store.js";
export type { DynamoDbIngestStoreOptions } from "./dynamodb-ingest-store.js";
export { DynamoDbLeaseManager } from "./dynamodb-lease-manager.js";
export type { DynamoDbLeaseManagerOptions } from "./dynamodb-lease-manager.js";
export { DynamoDbRateLimiter } from "./dynamodb-rate-limiter.js";
export { BatchingRateLimiter } from "./batching-rate-limiter.js";
export type { BatchingRateLimiterOptions } from "./batching-rate-limiter.js";
export { KmsEnvelopeEncryptor } from "./kms-envelope-encryptor.js";
export type { KmsEnvelopeEncryptorOptions } from "./kms-envelope-encryptor.js";
export { DataKeyCache, defaultDataKeyCacheLimits } from "./data-key-cache.js";
export type { DataKeyCacheLimits } from "./data-key-cache.js";
export { SqsJobQueue } from "./sqs-job-queue.js";
export type { SqsJobQueueOptions } from "./sqs-job-queue.js";
export { splitIntoBatches } from "./sqs-batches.js";
export type { DynamoDbTableOptions } from "./dynamodb-table.js";
export { AwsFailure, backendUnavailable, isTransientAwsError, redactAwsMessage } from "./aws-errors.js";
export { checkResourceNames, kmsAliasProblem, queueNameProblem, tableNameProblem } from "./resource-names.js";
export { keyPart, keys as tableKeys, attr as tableAttributes, gsi1Name } from "./table-schema.js";
