// Both Lambda bundles end to end on DynamoDB, SQS and KMS (moto): a Garmin push webhook through the HTTP bundle lands
// in the job queue; the messages SQS holds, handed to the worker bundle as Lambda's SQS event, reach the user's sink
// module (bundled in by `build --target worker --sink`) for the connected user, and the batch answer is partial.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { buildCommand } from "../../engine/cli/commands/build.js";
import { temporaryDirectory } from "../e2e/support.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { awsEndpoint, createKmsKey, createTestTable, newDynamoDbClient, newKmsClient, newSqsClient, testCredentials, testRegion, uniqueResourceName } from "./aws-test-support.js";

const run = promisify(execFile);
const out = temporaryDirectory();
const INVOKE = `const { handler } = await import(process.argv[1]); console.log("RESULT " + JSON.stringify(await handler(JSON.parse(process.argv[2]), {})));`;
const GARMIN = { SYNHEART_GARMIN_CLIENT_ID: "garmin-consumer-key", SYNHEART_GARMIN_CLIENT_SECRET: "garmin-consumer-secret" };
let env: Record<string, string | undefined>;
let queueUrl: string;

async function invoke(bundle: string, event: unknown): Promise<unknown> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", INVOKE, join(out.path, bundle), JSON.stringify(event)], { env });
  return JSON.parse(stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7));
}

beforeAll(async () => {
  writeFileSync(join(out.path, "sink.mjs"), 'import { appendFileSync } from "node:fs";\nexport async function sink(delivery) {\n  appendFileSync(process.env.SINK_FILE, JSON.stringify(delivery) + "\\n");\n}\n');
  const io = { out: () => {}, err: () => {}, env: {}, cwd: process.cwd() };
  expect(await buildCommand(io, ["--target", "all", "--sink", join(out.path, "sink.mjs"), "--out", out.path, "--allow-retired"])).toBe(0);

  const tableName = await createTestTable(newDynamoDbClient());
  queueUrl = (await newSqsClient().send(new CreateQueueCommand({ QueueName: uniqueResourceName("bundle-jobs") }))).QueueUrl!;
  const kmsKeyId = await createKmsKey(newKmsClient());
  env = {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_REGION: testRegion,
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    SYNHEART_DYNAMODB_TABLE: tableName,
    SYNHEART_SQS_QUEUE_URL: queueUrl,
    SYNHEART_KMS_KEY_ID: kmsKeyId,
    SINK_FILE: join(out.path, "delivered.jsonl"),
    ...GARMIN,
  };
  // The user connected earlier (as the OAuth callback would have stored it).
  const backends = await createAwsBackends({ tableName, queueUrl, kmsKeyId, clients: { dynamodb: newDynamoDbClient(), kms: newKmsClient(), sqs: newSqsClient() } });
  await storeSealedConnection(backends, { vendor: "garmin", userId: "our-user-7", vendorUserId: "garmin_user_123" });
}, 120_000);
afterAll(() => out.remove());

it("webhook → HTTP bundle → SQS → worker bundle → the user's sink, with partial batch failures", async () => {
  const body = readFileSync(new URL("../fixtures/payloads/garmin/push-activities.json", import.meta.url), "utf8");
  const answer = await invoke("index.mjs", {
    version: "2.0",
    rawPath: "/webhooks/garmin",
    rawQueryString: "",
    headers: { "content-type": "application/json", "garmin-client-id": GARMIN.SYNHEART_GARMIN_CLIENT_ID },
    body,
    isBase64Encoded: false,
    requestContext: { domainName: "api.example.com", http: { method: "POST", path: "/webhooks/garmin", sourceIp: "192.0.2.1" } },
  });
  expect(answer).toMatchObject({ statusCode: 200 });

  const sqs = newSqsClient();
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }));
  expect(received.Messages).toHaveLength(1);
  const { QueueArn } = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!;
  const records = [...received.Messages!, { MessageId: "poison", ReceiptHandle: "poison", Body: "not a job", MD5OfBody: "", Attributes: { ApproximateReceiveCount: "3" } }].map((message) => ({
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: { ApproximateReceiveCount: "1", ...message.Attributes },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody!,
    eventSource: "aws:sqs",
    eventSourceARN: QueueArn!,
    awsRegion: testRegion,
  }));

  expect(await invoke("worker.mjs", { Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: "poison" }] });
  const delivered = readFileSync(env.SINK_FILE!, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { userId: string; event: { vendor: string; type: string; userId: string } });
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toMatchObject({ userId: "our-user-7", event: { vendor: "garmin", type: "activity.updated", userId: "garmin_user_123" } });
}, 60_000);
