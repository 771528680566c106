// `serve --backend aws` end to end against moto: the sandbox demo's whole flow on DynamoDB, SQS and KMS, and /readyz
// answering 200 while the services answer and 503 when they cannot be reached.
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbTokenStore } from "../../engine/backends/aws/dynamodb-token-store.js";
import { serveCommand } from "../../engine/cli/commands/serve.js";
import { temporaryDirectory } from "../e2e/support.js";
import { freePort } from "../support/free-port.js";
import { awsEndpoint, createKmsKey, createTestTable, newDynamoDbClient, newKmsClient, newSqsClient, testCredentials, testRegion, uniqueResourceName } from "./aws-test-support.js";

const data = temporaryDirectory();
let awsVariables: Record<string, string>;
let tableName: string;

beforeAll(async () => {
  tableName = await createTestTable(newDynamoDbClient());
  const queue = await newSqsClient().send(new CreateQueueCommand({ QueueName: uniqueResourceName("serve-jobs") }));
  awsVariables = {
    SYNHEART_DYNAMODB_TABLE: tableName,
    SYNHEART_SQS_QUEUE_URL: queue.QueueUrl!,
    SYNHEART_KMS_KEY_ID: await createKmsKey(newKmsClient()),
  };
  // What the AWS SDK reads for itself, as a deployment would set it.
  Object.assign(process.env, { AWS_REGION: testRegion, AWS_ACCESS_KEY_ID: testCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey });
});
afterAll(() => data.remove());

function captureIo(env: Record<string, string | undefined>) {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), env, cwd: process.cwd() };
  return { io, lines };
}

/** Starts `serve` until the returned stop() is called; resolves once it listens. */
async function startServe(args: string[], env: Record<string, string | undefined>) {
  const { io, lines } = captureIo(env);
  const stop = new AbortController();
  const exited = serveCommand(io, [...args, "--port", "0", "--data", data.path, "--env-file", "/nonexistent/.env"], stop.signal);
  let origin: string | undefined;
  while (!origin) {
    const settled = await Promise.race([exited.then((code) => ({ code })), new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
    if (settled) throw new Error(`serve exited with ${settled.code}:\n${lines.join("\n")}`);
    origin = lines.map((line) => /listening on (http:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
  }
  return { origin, lines, stop: async () => (stop.abort(), exited) };
}

describe("serve --backend aws (moto)", () => {
  it("runs the sandbox demo's whole flow on DynamoDB, SQS and KMS", async () => {
    process.env.AWS_ENDPOINT_URL = awsEndpoint();
    const { io, lines } = captureIo({ PATH: process.env.PATH, ...awsVariables });
    const code = await serveCommand(io, ["--backend", "aws", "--sandbox", "--demo", "--port", "0", "--data", data.path, "--env-file", "/nonexistent/.env"], new AbortController().signal);
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    expect(text).toContain("DynamoDB, SQS and KMS");
    expect(text).toContain('job done: sandbox sleep.updated for our user "demo-user"');
    // The connection is in the table, sealed by KMS; nothing went to SQLite.
    const stored = await new DynamoDbTokenStore({ client: newDynamoDbClient(), tableName }).get("sandbox", "demo-user");
    expect(stored?.sealedTokens.encryptedDataKey).toEqual(expect.any(String));
    expect(existsSync(join(data.path, "connector.db"))).toBe(false);
  });

  it("/readyz is 200 while DynamoDB and SQS answer; SYNHEART_DYNAMODB_TABLE alone selects AWS", async () => {
    process.env.AWS_ENDPOINT_URL = awsEndpoint();
    const server = await startServe([], { ...awsVariables });
    try {
      const ready = await fetch(`${server.origin}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" } });
      expect(server.lines.join("\n")).toContain("DynamoDB, SQS and KMS");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("/readyz is 503 when the AWS endpoint is unreachable, while /healthz (liveness) stays 200", async () => {
    // Nothing listens there. SQS calls go to the queue URL's host, so the queue URL moves too.
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    process.env.AWS_ENDPOINT_URL = unreachable;
    const queueUrl = unreachable + new URL(awsVariables.SYNHEART_SQS_QUEUE_URL!).pathname;
    const server = await startServe([], { SYNHEART_BACKEND: "aws", ...awsVariables, SYNHEART_SQS_QUEUE_URL: queueUrl });
    try {
      const ready = await fetch(`${server.origin}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe("unavailable");
      expect(body.checks.store).not.toBe("ok");
      expect(body.checks.queue).not.toBe("ok");
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
      const logged = server.lines.find((line) => line.includes('"/readyz"'));
      expect(JSON.parse(logged!)).toMatchObject({ status: 503, outcome: "unavailable", errorCode: "backend_unavailable" });
    } finally {
      await server.stop();
      process.env.AWS_ENDPOINT_URL = awsEndpoint();
    }
  });

  it("refuses an unknown --backend", async () => {
    const { io } = captureIo({});
    await expect(serveCommand(io, ["--backend", "postgres", "--port", "0"], new AbortController().signal)).rejects.toThrow(/embedded, aws, memory/);
  });
});
