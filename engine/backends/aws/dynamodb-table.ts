import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { systemClock, type Clock } from "../../clock.js";

/** What every DynamoDB-backed port needs: a client (endpoint, region and credentials are its configuration) and the table. */
export interface DynamoDbTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock?: Clock;
}

/** The part every store on the one table shares: the client, the table's name and the clock that dates its items. */
export abstract class DynamoDbTableStore {
  protected readonly client: DynamoDBClient;
  protected readonly tableName: string;
  protected readonly clock: Clock;

  constructor(options: DynamoDbTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
  }
}
