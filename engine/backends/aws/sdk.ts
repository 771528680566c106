// The AWS SDK packages are imported on first use, not at module load: importing the engine (or this folder's index)
// costs nothing for deployments that run on the embedded backends, and a cold start pays only for the clients it uses.
type DynamoDbSdk = typeof import("@aws-sdk/client-dynamodb");
type SqsSdk = typeof import("@aws-sdk/client-sqs");
type KmsSdk = typeof import("@aws-sdk/client-kms");

let dynamoDb: Promise<DynamoDbSdk> | undefined;
let sqs: Promise<SqsSdk> | undefined;
let kms: Promise<KmsSdk> | undefined;

export const loadDynamoDbSdk = (): Promise<DynamoDbSdk> => (dynamoDb ??= import("@aws-sdk/client-dynamodb"));
export const loadSqsSdk = (): Promise<SqsSdk> => (sqs ??= import("@aws-sdk/client-sqs"));
export const loadKmsSdk = (): Promise<KmsSdk> => (kms ??= import("@aws-sdk/client-kms"));
