// The DynamoDB-backed port contracts (test/contracts) against AWS's own DynamoDB Local, started by global-setup.ts:
// a second, independent implementation of the DynamoDB API besides moto (test/aws/aws-contracts.test.ts runs the
// same suites there). Where the two disagree, one of them differs from DynamoDB: worth finding out which.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, inject } from "vitest";
import { ensureTable } from "../../engine/backends/aws/ensure-table.js";
import { testCredentials, testRegion, uniqueResourceName } from "../aws/aws-test-support.js";
import { describeDynamoDbContracts } from "../aws/dynamodb-contracts.js";

const dynamodb = new DynamoDBClient({
  endpoint: inject("dynamoDbLocalEndpoint"),
  region: testRegion,
  credentials: testCredentials,
});
let tableName: string;

beforeAll(async () => {
  tableName = uniqueResourceName("synheart-test");
  await ensureTable({ client: dynamodb, tableName, pollIntervalMs: 50 });
});

afterAll(() => {
  dynamodb.destroy();
});

describeDynamoDbContracts("DynamoDB Local", () => ({ client: dynamodb, tableName }));
