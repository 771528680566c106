import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommand } from "../../engine/cli/commands/build.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";
import { encodeJobMessage } from "../../engine/queue/job-message.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { temporaryDirectory } from "./support.js";

const run = promisify(execFile);

/** Imports the bundle in a fresh node process and sends it one API Gateway event. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
const event = JSON.parse(process.argv[2]);
const result = await handler(event);
process.stdout.write("RESULT " + JSON.stringify(result) + "\\n");
process.stdout.write("LOADED " + JSON.stringify(process.moduleLoadList) + "\\n");
`;

describe("synheart-connector build", () => {
  const out = temporaryDirectory();
  const lines: string[] = [];
  let bundle: string;

  beforeAll(async () => {
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), env: {}, cwd: process.cwd() };
    expect(await buildCommand(io, ["--out", out.path, "--allow-retired"])).toBe(0);
    bundle = join(out.path, "index.mjs");
  }, 60_000);

  afterAll(() => out.remove());

  it("embeds the validated manifests and leaves the YAML parser and the schema compiler out", () => {
    expect(lines.join("\n")).toContain("12 manifest(s): dexcom, fitbit, garmin, google-health, oura, polar, strava, suunto, terra, wahoo, whoop, withings");
    const text = readFileSync(bundle, "utf8");
    expect(text).toContain('"X-WHOOP-Signature"');
    expect(text).not.toMatch(/Ajv2020|ajv-formats|YAMLParseError/);
  });

  it("refuses invalid manifests and builds nothing; a retired vendor is left out with a warning", async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (line: string) => errors.push(line), env: {}, cwd: process.cwd() };
    const broken = join(out.path, "broken-vendors");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "acme.yaml"), readFileSync("vendors/whoop.yaml", "utf8").replace(/^id: whoop$/m, "id: acme").replace("  pkce: false", "  pkec: false"));
    expect(await buildCommand(io, ["--vendors", "test/fixtures/vendors", "--vendors", broken, "--out", join(out.path, "refused")])).toBe(1);
    expect(errors.join("\n")).toMatch(/acme\.yaml:\d+:\d+: unknown field "pkec"/);
    expect(errors.join("\n")).toMatch(/fitbit\.yaml:\d+:\d+: warning: .*retired.*skipped/);
    expect(existsSync(join(out.path, "refused", "index.mjs"))).toBe(false);
  });

  it("keeps the AWS SDK out of the entry file: it is in chunks/, loaded on first use", () => {
    const entry = readFileSync(bundle, "utf8");
    expect(entry).not.toMatch(/DynamoDBClient|SQSClient|KMSClient/);
    const chunks = readdirSync(join(out.path, "chunks")).map((name) => readFileSync(join(out.path, "chunks", name), "utf8")).join("\n");
    expect(chunks).toMatch(/DynamoDBClient/);
  });

  it("verifies a signed webhook in a fresh process without loading Node's fetch implementation or node:http", async () => {
    const [whoop] = (await loadManifestFiles(["vendors/whoop.yaml"])).vendors;
    const body = '{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"sleep.updated","trace_id":"bundle"}';
    const headers = { "content-type": "application/json", ...signWebhook(whoop!, { clientId: "w", clientSecret: "whoop-secret", settings: {} }, body) };
    const event = { version: "2.0", rawPath: "/webhooks/whoop", rawQueryString: "", headers, body, isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.7" } } };
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", INVOKE, bundle, JSON.stringify(event)], {
      env: { PATH: process.env.PATH, SYNHEART_BACKEND: "memory", SYNHEART_WHOOP_CLIENT_ID: "w", SYNHEART_WHOOP_CLIENT_SECRET: "whoop-secret" },
    });
    const result = JSON.parse(stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: "accepted", events: 1 });
    const loaded = JSON.parse(stdout.split("\n").find((line) => line.startsWith("LOADED "))!.slice(7)) as string[];
    expect(loaded.filter((name) => /undici|^NativeModule (?:_?http|http2)\b/.test(name))).toEqual([]);
  });

  it("handles an API Gateway v2 event in a fresh process without AWS or YAML at start", async () => {
    const sample = JSON.parse(readFileSync(new URL("../fixtures/apigw/http-api-v2.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const event = { ...sample, rawPath: "/healthz", rawQueryString: "", body: undefined, requestContext: { ...(sample.requestContext as object), http: { method: "GET", path: "/healthz", sourceIp: "192.0.2.1" } } };
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", INVOKE, bundle, JSON.stringify(event)], {
      env: { PATH: process.env.PATH, SYNHEART_BACKEND: "memory", SYNHEART_GARMIN_CLIENT_ID: "g", SYNHEART_GARMIN_CLIENT_SECRET: "s" },
    });
    const result = JSON.parse(stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: "ok", vendors: ["garmin"] });
  });
});

/** Imports a worker bundle in a fresh node process and sends it one SQS event. */
const INVOKE_WORKER = `
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), { awsRequestId: "test" });
process.stdout.write("RESULT " + JSON.stringify(result) + "\\n");
`;

describe("synheart-connector build --target worker|all", () => {
  const out = temporaryDirectory();
  const ioLines: string[] = [];
  const io = { out: (line: string) => ioLines.push(line), err: (line: string) => ioLines.push(line), env: {}, cwd: process.cwd() };

  beforeAll(async () => {
    writeFileSync(join(out.path, "sink.mjs"), "export default async function sink(delivery) { console.log('SINK ' + delivery.event.id); }\n");
    writeFileSync(join(out.path, "not-a-sink.mjs"), "export const answer = 42;\n");
    expect(await buildCommand(io, ["--target", "all", "--sink", join(out.path, "sink.mjs"), "--out", join(out.path, "all"), "--allow-retired"])).toBe(0);
  }, 60_000);

  afterAll(() => out.remove());

  it("bundles both entry points, and says which handler and variables each needs", () => {
    const text = ioLines.join("\n");
    expect(text).toContain("index.handler");
    expect(text).toContain("worker.handler");
    expect(text).toContain("ReportBatchItemFailures");
    const worker = readFileSync(join(out.path, "all", "worker.mjs"), "utf8");
    expect(worker).toContain("SINK ");
    expect(worker).not.toMatch(/Ajv2020|ajv-formats|YAMLParseError/);
  });

  it("refuses a worker build without a sink, or with an unknown target", async () => {
    await expect(buildCommand(io, ["--target", "worker", "--out", join(out.path, "none")])).rejects.toThrow(/--sink/);
    await expect(buildCommand(io, ["--target", "lambda", "--out", join(out.path, "none")])).rejects.toThrow(/http, worker or all/);
    await expect(buildCommand(io, ["--target", "worker", "--sink", "missing.mjs", "--out", join(out.path, "none")])).rejects.toThrow(/no such file/);
  });

  it("answers an SQS batch with partial batch failures: a message that is not a job fails alone", async () => {
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: "r",
      body,
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:jobs",
      awsRegion: "us-east-1",
    });
    // The user has no connection in this (memory) backend: the job ends as skipped, which is a success.
    const job = encodeJobMessage({ event: { id: "e1", vendor: "garmin", type: "dailies", userId: "nobody", delivery: "push", data: {}, authenticity: "unverified" }, enqueuedAt: Date.now() });
    const event = { Records: [record("good", job), record("poison", "not json")] };
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", INVOKE_WORKER, join(out.path, "all", "worker.mjs"), JSON.stringify(event)], {
      env: { PATH: process.env.PATH, SYNHEART_BACKEND: "memory", SYNHEART_GARMIN_CLIENT_ID: "g", SYNHEART_GARMIN_CLIENT_SECRET: "s" },
    });
    const result = JSON.parse(stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7)) as unknown;
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "poison" }] });
    // One line for the one failed record, naming its message and the error's type, never the body.
    const lines = stdout.split("\n").filter((line) => line.includes('"poison"') && !line.startsWith("RESULT "));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: "job", messageId: "poison", receiveCount: 1, outcome: "retry" });
    expect(stdout).not.toContain("not json");
  });

  it("a sink module without a function export fails at load with a clear message", async () => {
    expect(await buildCommand(io, ["--target", "worker", "--sink", join(out.path, "not-a-sink.mjs"), "--out", join(out.path, "bad"), "--allow-retired"])).toBe(0);
    const failed = await run(process.execPath, ["--input-type=module", "-e", INVOKE_WORKER, join(out.path, "bad", "worker.mjs"), "{}"], { env: { PATH: process.env.PATH } }).catch((error: { stderr: string }) => error);
    expect((failed as { stderr: string }).stderr).toMatch(/sink module must export a function/);
  });
});
