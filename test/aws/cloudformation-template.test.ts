import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const template = join(repoRoot, "docs", "aws", "connector.cloudformation.yaml");
// cfn-lint comes with moto[server] into the test venv.
const cfnLint = join(repoRoot, ".venv-aws", "bin", "cfn-lint");

describe("docs/aws/connector.cloudformation.yaml", () => {
  it.skipIf(!existsSync(cfnLint))("passes cfn-lint, as does deployment.cloudformation.yaml (one run for both: it is slow)", async () => {
    await expect(promisify(execFile)(cfnLint, [template, join(repoRoot, "docs", "aws", "deployment.cloudformation.yaml")])).resolves.toBeDefined();
  });

  it("declares the table layout the backends use", () => {
    const text = readFileSync(template, "utf8");
    for (const fragment of [
      "AttributeName: pk",
      "AttributeName: sk",
      "IndexName: gsi1",
      "AttributeName: ttl",
      "maxReceiveCount",
    ]) {
      expect(text).toContain(fragment);
    }
  });
});

describe("docs/aws/deployment.cloudformation.yaml (the whole deployment)", () => {
  const deployment = join(repoRoot, "docs", "aws", "deployment.cloudformation.yaml");
  const text = readFileSync(deployment, "utf8");

  it("wires both bundles `build --target all` makes, the worker with partial batch responses", () => {
    expect(text).toContain("Handler: index.handler");
    expect(text).toContain("Handler: worker.handler");
    expect(text).toContain("FunctionResponseTypes: [ReportBatchItemFailures]");
    expect(text).toContain("Type: AWS::ApiGatewayV2::Api");
    expect(text).toContain('PayloadFormatVersion: "2.0"');
  });

  it("creates the table, the queue with its dead-letter queue, the key, and alarms on the dead-letter queue", () => {
    for (const fragment of ["Type: AWS::DynamoDB::Table", "IndexName: gsi1", "AttributeName: ttl", "deadLetterTargetArn", "Type: AWS::KMS::Key", "Type: AWS::CloudWatch::Alarm"]) {
      expect(text).toContain(fragment);
    }
    expect(text).toMatch(/DeadLetterQueueNotEmpty:[\s\S]*?Value: !GetAtt DeadLetterQueue\.QueueName/);
  });

  it("sets the variables the bundles require", () => {
    for (const variable of ["SYNHEART_DYNAMODB_TABLE", "SYNHEART_SQS_QUEUE_URL", "SYNHEART_KMS_KEY_ID"]) {
      expect(text.match(new RegExp(`${variable}:`, "g"))).toHaveLength(2);
    }
  });
});
