import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../../clock.js";

/** What every DynamoDB-backed port needs: a client (endpoint, region and credentials are its configuration) and the table. */
export interface DynamoDbTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock?: Clock;
}
