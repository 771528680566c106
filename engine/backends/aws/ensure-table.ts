import type { DynamoDBClient, TableDescription } from "@aws-sdk/client-dynamodb";
import { sleep } from "../../clock.js";
import { ConnectorError } from "../../errors.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, gsi1Name } from "./table-schema.js";

export interface EnsureTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long to wait for a new table (and its index) to become ACTIVE. */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
}

export interface EnsureTableResult {
  readonly tableName: string;
  readonly created: boolean;
  readonly tableArn?: string;
}

/**
 * Creates the connector table (on-demand, pk/sk, gsi1) unless it exists, waits until it and its index are ACTIVE,
 * and turns on TTL on `ttl`. Safe to run any number of times, also from several processes at once.
 */
export async function ensureTable(options: EnsureTableOptions): Promise<EnsureTableResult> {
  const sdk = await loadDynamoDbSdk();
  const { client, tableName } = options;
  let created = false;
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(
        new sdk.CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [attr.pk, attr.sk, attr.gsi1pk, attr.gsi1sk].map((name) => ({
            AttributeName: name,
            AttributeType: "S",
          })),
          KeySchema: [
            { AttributeName: attr.pk, KeyType: "HASH" },
            { AttributeName: attr.sk, KeyType: "RANGE" },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: gsi1Name,
              KeySchema: [
                { AttributeName: attr.gsi1pk, KeyType: "HASH" },
                { AttributeName: attr.gsi1sk, KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "ALL" },
            },
          ],
          SSESpecification: { Enabled: true },
        }),
      );
      created = true;
    } catch (error) {
      // Another process created it first.
      if (!isAwsError(error, "ResourceInUseException")) {
        throw backendUnavailable("DynamoDB", "CreateTable", error);
      }
    }
  } else {
    checkSchema(table);
  }
  table = await waitUntilActive(client, tableName, options.timeoutMs ?? 120_000, options.pollIntervalMs ?? 250);
  await enableTtl(client, tableName);
  return { tableName, created, ...(table.TableArn ? { tableArn: table.TableArn } : {}) };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  const { DescribeTableCommand } = await loadDynamoDbSdk();
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw backendUnavailable("DynamoDB", "DescribeTable", error);
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
  pollIntervalMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
    if (table && table.TableStatus === "ACTIVE" && indexesActive) return table;
    if (Date.now() > deadline) {
      throw new ConnectorError("backend_unavailable", `DynamoDB table ${tableName} did not become ACTIVE in time`);
    }
    await sleep(pollIntervalMs);
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  const { DescribeTimeToLiveCommand, UpdateTimeToLiveCommand } = await loadDynamoDbSdk();
  const current = await awsCall("DynamoDB", "DescribeTimeToLive", () =>
    client.send(new DescribeTimeToLiveCommand({ TableName: tableName })),
  );
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  const attribute = current.TimeToLiveDescription?.AttributeName;
  if ((status === "ENABLED" || status === "ENABLING") && attribute === attr.ttl) return;
  if (status === "ENABLED" || status === "ENABLING") {
    throw new ConnectorError(
      "backend_unavailable",
      `DynamoDB table ${tableName} has TTL on "${attribute}", the connector needs it on "${attr.ttl}"`,
    );
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attr.ttl },
      }),
    );
  } catch (error) {
    // Another process is enabling it right now.
    if (isAwsError(error, "ValidationException") && /already enabled/i.test(String((error as Error).message))) return;
    throw backendUnavailable("DynamoDB", "UpdateTimeToLive", error);
  }
}

function checkSchema(table: TableDescription): void {
  const keyNames = (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).sort();
  const hasGsi1 = (table.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === gsi1Name);
  if (keyNames.join(",") !== `${attr.pk}:HASH,${attr.sk}:RANGE` || !hasGsi1) {
    throw new ConnectorError(
      "backend_unavailable",
      `DynamoDB table ${table.TableName} exists with another key schema (need ${attr.pk}/${attr.sk} and index ${gsi1Name})`,
    );
  }
}
