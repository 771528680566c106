import { DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, expect, it } from "vitest";
import { main } from "../../engine/cli/main.js";
import type { CliIo } from "../../engine/cli/io.js";
import { awsEndpoint, newDynamoDbClient, testRegion, uniqueResourceName } from "./aws-test-support.js";

const dynamodb = newDynamoDbClient();
afterAll(() => dynamodb.destroy());

it("synheart-connector init-aws creates the table with TTL, the queues and the key, and prints the env vars", async () => {
  // The CLI builds its own clients from the SDK's standard environment, as it would on a developer's machine.
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL: awsEndpoint(), AWS_REGION: testRegion, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: process.cwd() };
  const table = uniqueResourceName("cli-table");
  try {
    const code = await main(["init-aws", "--table", table, "--queue", uniqueResourceName("cli-jobs"), "--max-receives", "3", "--kms-alias", uniqueResourceName("cli-key")], io);
    expect(code).toBe(0);
  } finally {
    process.env = saved;
  }
  const result = JSON.parse(out.join("\n"));
  expect(result.table).toMatchObject({ created: true });
  expect(result.queueUrl).toContain("cli-jobs");
  expect(result.kmsKeyArn).toMatch(/^arn:aws:kms:/);
  expect(err.join("\n")).toContain(`SYNHEART_DYNAMODB_TABLE=${table}`);
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
  expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" });
});

it("init-aws without a table name is a usage error", async () => {
  const err: string[] = [];
  const code = await main(["init-aws"], { out: () => {}, err: (l) => err.push(l), env: {}, cwd: "." });
  expect(code).toBe(1);
  expect(err[0]).toContain("--table <name> is required");
});
