import { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTable } from "../../engine/backends/aws/ensure-table.js";
import { initAws } from "../../engine/backends/aws/init-aws.js";
import { isConnectorError } from "../../engine/errors.js";
import { newDynamoDbClient, newKmsClient, newSqsClient, uniqueResourceName } from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
const sqs = newSqsClient();
const kms = newKmsClient();

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
  kms.destroy();
});

describe("initAws", () => {
  it("creates the table with TTL and gsi1, the queue with a redrive policy, and the KMS key; a second run changes nothing", async () => {
    const tableName = uniqueResourceName("synheart");
    const queueName = uniqueResourceName("jobs");
    const options = {
      tableName,
      queueName,
      maxReceives: 4,
      kmsKeyAlias: uniqueResourceName("tokens"),
      clients: { dynamodb, sqs, kms },
    };
    const first = await initAws(options);
    const second = await initAws(options);

    expect(first.table.created).toBe(true);
    expect(second.table.created).toBe(false);
    expect(second.queueUrl).toBe(first.queueUrl);
    expect(second.kmsKeyArn).toBe(first.kmsKeyArn);
    expect(first.kmsKeyAlias).toBe(`alias/${options.kmsKeyAlias}`);

    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(["gsi1"]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" });

    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: first.queueUrl,
        AttributeNames: ["RedrivePolicy", "VisibilityTimeout"],
      }),
    );
    const redrive = JSON.parse(attributes.Attributes?.RedrivePolicy ?? "{}");
    expect(Number(redrive.maxReceiveCount)).toBe(4);
    expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`${queueName}-dlq$`));
  });

  it("lets several processes initialise the same table at once", async () => {
    const tableName = uniqueResourceName("synheart");
    const results = await Promise.all(
      [1, 2, 3].map(() => ensureTable({ client: dynamodb, tableName, pollIntervalMs: 20 })),
    );
    expect(results.filter((result) => result.created).length).toBeGreaterThanOrEqual(1);
  });

  it("refuses a table that exists with another key schema", async () => {
    const tableName = uniqueResourceName("other");
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    const error = await ensureTable({ client: dynamodb, tableName }).catch((caught: unknown) => caught);
    expect(isConnectorError(error, "backend_unavailable")).toBe(true);
    expect(String((error as Error).message)).toMatch(/key schema/);
  });

  it("makes a FIFO dead-letter queue for a FIFO queue", async () => {
    const made = await initAws({
      tableName: uniqueResourceName("t"),
      queueName: `${uniqueResourceName("jobs")}.fifo`,
      clients: { dynamodb, sqs },
    });
    expect(made.queueUrl).toMatch(/\.fifo$/);
    expect(made.deadLetterQueueUrl).toMatch(/-dlq\.fifo$/);
  });
});
