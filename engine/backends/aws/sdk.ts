// The AWS SDK packages are imported on first use, not at module load: importing the engine (or this folder's index)
// costs nothing for deployments that run on the embedded backends, and a cold start pays only for the clients it uses.
type DynamoDbSdk = typeof import("@aws-sdk/client-dynamodb");
type SqsSdk = typeof import("@aws-sdk/client-sqs");
type KmsSdk = typeof import("@aws-sdk/client-kms");

let dynamoDb: Promise<DynamoDbSdk> | undefined;
let sqs: Promise<SqsSdk> | undefined;
let kms: Promise<KmsSdk> | undefined;

export const loadDynamoDbSdk = (): Promise<DynamoDbSdk> => (dynamoDb ??= import("@aws-sdk/client-dynamodb").then(namespaceOf));
export const loadSqsSdk = (): Promise<SqsSdk> => (sqs ??= import("@aws-sdk/client-sqs").then(namespaceOf));
export const loadKmsSdk = (): Promise<KmsSdk> => (kms ??= import("@aws-sdk/client-kms").then(namespaceOf));

/**
 * The module's exports however it was loaded: Node's ESM loader gives the SDK's ES build (named exports), while a
 * bundle split by `build` loads the CommonJS build from a chunk whose only export is `default` (module.exports).
 */
function namespaceOf<T extends object>(module: T): T {
  const commonJs = (module as { default?: unknown }).default;
  return commonJs !== null && typeof commonJs === "object" && !(Object.keys(module).length > 1) ? (commonJs as T) : module;
}
